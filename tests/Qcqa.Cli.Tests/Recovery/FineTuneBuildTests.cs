using Qcqa.Cli.Tests.TestSupport;
using Qcqa.Core.Checkpoints;
using Qcqa.Core.Merge;
using Qcqa.Tests.Shared;

namespace Qcqa.Cli.Tests.Recovery;

/// <summary>
/// <c>dotnet qcqa build</c> with a <c>finetune</c> variant, end to end with the real fine-tuner (TorchFineTuner) on a
/// tiny byte-level model: the variant is trained into its own folder in the merged checkpoint's form, a no-op build
/// trains nothing, and an edited recipe retrains that variant alone.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class FineTuneBuildTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public FineTuneBuildTests()
    {
        // Vocabulary 256 without tokenizer files: the model reads UTF-8 bytes, so any text trains it.
        SyntheticModels.Write(_temp, SyntheticModels.Options(vocab: 256));
        File.WriteAllText(_temp.Combine("train.txt"), string.Concat(Enumerable.Range(0, 80).Select(i => $"In the beginning {i} was the word, and the word was {i * 7 % 13}. ")));
    }

    public void Dispose() => _temp.Dispose();

    private string Spec(double learningRate)
    {
        var spec = _temp.Combine("qcqa.yaml");
        File.WriteAllText(spec, $$"""
            models:
              - path: model
                variants:
                  - { name: plain, mode: gqa, budget: 0.5 }
                  - { name: tuned, mode: gqa, budget: 0.5, finetune: { text: train.txt, steps: 3, sequence_length: 32, batch_tokens: 64, learning_rate: {{learningRate.ToString(System.Globalization.CultureInfo.InvariantCulture)}} } }
            """);
        return spec;
    }

    private Task<CliRun> Build(double learningRate) => CliRun.InvokeAsync("build", Spec(learningRate), "--out", _temp.Combine("out"), "--cache", _temp.Combine("cache"));

    [Fact]
    public async Task AFineTunedVariantIsTrainedOnceIntoTheMergedFormAndRetrainedAloneWhenItsRecipeChanges()
    {
        var first = await Build(0.01);

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Contains("QCQA fine-tuning model/tuned: 3 steps, 192 tokens, loss ", first.Error);
        var plain = _temp.Combine("out", "model", "plain");
        var tuned = _temp.Combine("out", "model", "tuned");
        Assert.True(File.Exists(Path.Combine(tuned, BuildStamp.FileName)));
        using (var merged = Checkpoint.Open(plain))
        using (var trained = Checkpoint.Open(tuned))
        {
            // Same form (standard GQA, same names and shapes, same config); attention trained, the rest untouched.
            Assert.Equal(merged.KvHeadsPerLayer, trained.KvHeadsPerLayer);
            Assert.Equal(File.ReadAllText(Path.Combine(plain, "config.json")), File.ReadAllText(Path.Combine(tuned, "config.json")));
            var names = merged.Files.SelectMany(f => f.Tensors).Select(t => t.Name).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(names, trained.Files.SelectMany(f => f.Tensors).Select(t => t.Name).Order(StringComparer.Ordinal));
            Assert.NotEqual(Values(merged, LlamaTensorNames.OutputWeight(0)), Values(trained, LlamaTensorNames.OutputWeight(0)));
            Assert.Equal(Values(merged, "model.embed_tokens.weight"), Values(trained, "model.embed_tokens.weight"));
        }
        var plainBefore = FolderSnapshot.Take(plain);
        var tunedBefore = FolderSnapshot.Take(tuned);

        var again = await Build(0.01);

        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Contains("QCQA fine-tuning model/tuned: up to date", again.Error);
        Assert.Equal(plainBefore.Hashes, FolderSnapshot.Take(plain).Hashes);
        Assert.Equal(tunedBefore.Hashes, FolderSnapshot.Take(tuned).Hashes);

        var edited = await Build(0.02);

        Assert.True(edited.ExitCode == 0, edited.Error);
        Assert.Contains("QCQA fine-tuning model/tuned: 3 steps", edited.Error);
        Assert.Equal(plainBefore.Hashes, FolderSnapshot.Take(plain).Hashes);
        Assert.NotEqual(tunedBefore.Hashes["model.safetensors"], FolderSnapshot.Take(tuned).Hashes["model.safetensors"]);
        Assert.Empty(Directory.EnumerateDirectories(_temp.Combine("out", "model"), "*.tmp-*"));
    }

    private static double[] Values(Checkpoint checkpoint, string name)
    {
        Assert.True(checkpoint.TryGetTensor(name, out var tensor), name);
        return tensor.ReadAllDoubles();
    }
}
