using Json.Schema;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.Spec;
using Qcqa.Tests.Shared;

namespace Qcqa.Core.Tests.Spec;

/// <summary>
/// The top-level <c>memory_limit</c>: sizes in the units people write, bytes, and a clear error for anything else;
/// qcqa.yaml.schema.json accepts and rejects the same values.
/// </summary>
public sealed class MemoryLimitSpecTests : IDisposable
{
    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromFile(RepositoryLayout.Combine("qcqa.yaml.schema.json")));
    private readonly SpecFixture _fixture = new("models/tiny-llama");

    public void Dispose() => _fixture.Dispose();

    private static string Spec(string memoryLimit) => $"""
        memory_limit: {memoryLimit}
        models:
          - path: models/tiny-llama
            variants:
              - {"{"} name: a, mode: arbitrary, budget: 0.5 {"}"}
        """;

    [Theory]
    [InlineData("6GB", 6_000_000_000L)]
    [InlineData("6 GiB", 6L << 30)]
    [InlineData("800MB", 800_000_000L)]
    [InlineData("1.5GB", 1_500_000_000L)]
    [InlineData("6000000000", 6_000_000_000L)]
    public void GivenASizeTheSpecCarriesItInBytes(string written, long bytes)
    {
        Assert.Equal(bytes, _fixture.Load(Spec(written)).MemoryLimitBytes);
        Assert.True(Schema.Value.Evaluate(YamlToJson.Convert(Spec(written))).IsValid, $"The schema rejects memory_limit: {written}");
    }

    [Fact]
    public void GivenNoMemoryLimitTheSpecLeavesItToTheMachine()
        => Assert.Null(_fixture.Load(Spec("6GB").Replace("memory_limit: 6GB\n", "")).MemoryLimitBytes);

    [Theory]
    [InlineData("six gigabytes")]
    [InlineData("6 GBs")]
    [InlineData("-1GB")]
    [InlineData("0")]
    [InlineData("true")]
    [InlineData("[6GB]")]
    public void GivenSomethingThatIsNotASizeTheErrorSaysWhatASizeLooksLike(string written)
    {
        var result = _fixture.Read(Spec(written));

        Assert.Null(result.Spec);
        var problem = Assert.Single(result.Diagnostics);
        Assert.Equal((ErrorCodes.SpecBadValue, 1, 15), (problem.Code, problem.Location.Line, problem.Location.Column));
        Assert.Contains("memory_limit must be a size such as 6GB", problem.Message);
        Assert.False(Schema.Value.Evaluate(YamlToJson.Convert(Spec(written))).IsValid, $"The schema accepts memory_limit: {written}");
    }
}
