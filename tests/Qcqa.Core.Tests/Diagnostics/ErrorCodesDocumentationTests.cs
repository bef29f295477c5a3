using System.Reflection;
using System.Text.RegularExpressions;
using Qcqa.Core.Diagnostics;
using Qcqa.Tests.Shared;

namespace Qcqa.Core.Tests.Diagnostics;

/// <summary>docs/errors.md documents exactly the codes the engine and the MSBuild tasks define, each with a meaning and a fix.</summary>
public sealed partial class ErrorCodesDocumentationTests
{
    private static readonly string Documentation = File.ReadAllText(RepositoryLayout.Combine("docs", "errors.md"));

    [Fact]
    public void GivenTheErrorCodeListTheDocumentationHasExactlyItsCodes()
    {
        var documented = Heading().Matches(Documentation).Select(m => m.Groups["code"].Value).ToArray();

        Assert.Equal(documented.Distinct().Count(), documented.Length);
        Assert.Equal(DefinedCodes().Order(), documented.Order());
    }

    [Fact]
    public void GivenEveryDocumentedCodeItHasAMeaningAndAFix()
    {
        var sections = Regex.Split(Documentation, @"^## ", RegexOptions.Multiline).Skip(1).ToArray();

        Assert.NotEmpty(sections);
        Assert.All(sections, section =>
        {
            Assert.Matches(@"\*\*Meaning:\*\* \S", section);
            Assert.Matches(@"\*\*Fix:\*\* \S", section);
        });
    }

    [Fact]
    public void GivenTheCodesTheyAreUniqueAndWellFormed()
    {
        var engine = typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetRawConstantValue()!).ToArray();

        Assert.Equal(engine.Length, engine.Distinct().Count());
        Assert.All(engine, code => Assert.Matches(@"^QCQA\d{3}$", code));
    }

    // The engine's codes (ErrorCodes) and the MSBuild tasks' (TaskErrorCodes, which cannot reference Qcqa.Core and
    // keeps its own constants; read from its source).
    private static IEnumerable<string> DefinedCodes()
    {
        var engine = typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetRawConstantValue()!);
        var tasks = TaskConstant().Matches(File.ReadAllText(RepositoryLayout.Combine("src", "Qcqa.Build.Tasks", "TaskErrorCodes.cs"))).Select(m => m.Groups["code"].Value);
        return engine.Concat(tasks).Distinct();
    }

    [GeneratedRegex(@"^## (?<code>QCQA\d{3}) — ", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex("const string \\w+ = \"(?<code>QCQA\\d{3})\"")]
    private static partial Regex TaskConstant();
}
