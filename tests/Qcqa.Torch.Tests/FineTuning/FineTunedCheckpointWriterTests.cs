using Qcqa.Core.Checkpoints;
using Qcqa.Core.Diagnostics;
using Qcqa.Tests.Shared;
using Qcqa.Torch.FineTuning;
using Qcqa.Torch.Llama;
using Qcqa.Torch.Loading;
using Qcqa.Torch.Tests.Llama;
using Qcqa.Torch.Tests.TestSupport;
using static TorchSharp.torch;

namespace Qcqa.Torch.Tests.FineTuning;

/// <summary>
/// The fine-tuned checkpoint has the form of the one it was trained from (files, tensors, dtypes, config, shards),
/// reloads as the trained model, keeps untrained tensors byte for byte, and appears atomically or not at all.
/// </summary>
public sealed class FineTunedCheckpointWriterTests
{
    public static TheoryData<string, SafetensorsDtype, int, TrainableParameters> Forms => new()
    {
        { "gqa", SafetensorsDtype.F32, 1, TrainableParameters.Attention },
        { "map", SafetensorsDtype.F32, 3, TrainableParameters.All },
        { "gqa", SafetensorsDtype.BF16, 3, TrainableParameters.All },
        { "map", SafetensorsDtype.BF16, 1, TrainableParameters.Attention },
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public void TheWrittenCheckpointHasTheSourcesFormAndReloadsAsTheTrainedModel(string form, SafetensorsDtype dtype, int shards, TrainableParameters parameters)
    {
        using var workspace = new FineTuningWorkspace(dtype, shards);
        var source = form == "gqa" ? workspace.Gqa : workspace.Map;
        using var trained = FineTuner.Train(source, null, FineTuningWorkspace.Text, FineTuningWorkspace.Quick with { Parameters = parameters }, "cpu");
        var written = FineTunedCheckpointWriter.Write(trained, workspace.Combine("tuned"));

        Assert.Equal(Path.GetFullPath(workspace.Combine("tuned")), written.Folder);
        AssertSameForm(source, written.Folder, trained.TrainedTensors);
        Assert.Equal(trained.TrainedTensors.Count, written.RewrittenTensors);

        using var scope = NewDisposeScope();
        var tokens = ModelRuns.Tokens(FineTuningWorkspace.Vocab, 2, 24, seed: 3);
        using var expected = AsStored(trained.Model, dtype);
        TensorAssert.Identical(ModelRuns.Run(expected, tokens), ModelRuns.Logits(written.Folder, tokens));
        if (form == "gqa") TensorAssert.Identical(ModelRuns.Logits(written.Folder, tokens), ModelRuns.Logits(written.Folder, tokens, ignoreQcqaBlock: true));
    }

    [Fact]
    public void TheSourceAndTheTeacherAreNeverModified()
    {
        using var workspace = new FineTuningWorkspace();
        var source = FolderSnapshot.Of(workspace.Map);
        var teacher = FolderSnapshot.Of(workspace.Original);

        FineTuner.TrainAndWrite(workspace.Map, workspace.Original, FineTuningWorkspace.Text,
            FineTuningWorkspace.Quick with { Loss = FineTuningLoss.Distillation, Parameters = TrainableParameters.All }, "cpu", workspace.Combine("tuned"));

        Assert.Equal(source, FolderSnapshot.Of(workspace.Map));
        Assert.Equal(teacher, FolderSnapshot.Of(workspace.Original));
    }

    [Fact]
    public void AFailureWhileWritingLeavesNothingNewAndKeepsThePreviousOutput()
    {
        using var workspace = new FineTuningWorkspace();
        using var trained = FineTuner.Train(workspace.Gqa, null, FineTuningWorkspace.Text, FineTuningWorkspace.Quick, "cpu");
        var output = workspace.Combine("tuned");
        FineTunedCheckpointWriter.Write(trained, output);
        var previous = FolderSnapshot.Of(output);
        var entries = Directory.GetFileSystemEntries(workspace.Folder).Order().ToArray();

        var options = new FineTunedWriteOptions { BeforeTensor = name => { if (name.Contains("layers.1.", StringComparison.Ordinal)) throw new IOException("simulated device error"); } };
        var error = Assert.Throws<QcqaException>(() => FineTunedCheckpointWriter.Write(trained, output, options));

        Assert.Equal(ErrorCodes.WriteFailed, error.Code);
        Assert.Equal(previous, FolderSnapshot.Of(output));
        Assert.Equal(entries, Directory.GetFileSystemEntries(workspace.Folder).Order().ToArray());
    }

    [Fact]
    public void WritingIntoTheSourceOrTheTeacherIsRefused()
    {
        using var workspace = new FineTuningWorkspace();
        using var trained = FineTuner.Train(workspace.Map, workspace.Original, FineTuningWorkspace.Text,
            FineTuningWorkspace.Quick with { Loss = FineTuningLoss.Distillation, Steps = 1 }, "cpu");

        Assert.Equal(ErrorCodes.BadOutputPath, Assert.Throws<QcqaException>(() => FineTunedCheckpointWriter.Write(trained, workspace.Map)).Code);
        Assert.Equal(ErrorCodes.BadOutputPath, Assert.Throws<QcqaException>(() => FineTunedCheckpointWriter.Write(trained, Path.Combine(workspace.Original, "tuned"))).Code);
    }

    [Fact]
    public void AdditionalFilesAppearWithTheCheckpoint()
    {
        using var workspace = new FineTuningWorkspace();
        using var trained = FineTuner.Train(workspace.Gqa, null, FineTuningWorkspace.Text, FineTuningWorkspace.Quick with { Steps = 1 }, "cpu");

        var written = FineTunedCheckpointWriter.Write(trained, workspace.Combine("tuned"),
            new FineTunedWriteOptions { AdditionalFiles = new Dictionary<string, string> { ["stamp.json"] = "{\"key\":1}" } });

        Assert.Equal("{\"key\":1}", File.ReadAllText(Path.Combine(written.Folder, "stamp.json")));
    }

    // Same files; config.json, the index and every other file byte-identical; in each shard the same tensors in the
    // same order with the same dtype, shape, offsets and metadata; untrained tensors byte-identical.
    private static void AssertSameForm(string source, string written, IReadOnlySet<string> trained)
    {
        var before = FolderSnapshot.Of(source);
        var after = FolderSnapshot.Of(written);
        Assert.Equal(before.Keys, after.Keys);
        Assert.All(before.Where(f => !f.Key.EndsWith(".safetensors", StringComparison.Ordinal)), f => Assert.Equal(f.Value, after[f.Key]));

        using var input = Checkpoint.Open(source);
        using var output = Checkpoint.Open(written);
        Assert.Equal(input.Files.Count, output.Files.Count);
        var changed = 0;
        foreach (var (a, b) in input.Files.Zip(output.Files))
        {
            Assert.Equal(Path.GetFileName(a.Path), Path.GetFileName(b.Path));
            Assert.Equal(a.Metadata, b.Metadata);
            Assert.Equal(a.Tensors.Select(t => (t.Name, t.Dtype, string.Join(",", t.Shape), t.DataBegin, t.DataEnd)),
                b.Tensors.Select(t => (t.Name, t.Dtype, string.Join(",", t.Shape), t.DataBegin, t.DataEnd)));
            foreach (var tensor in a.Tensors)
            {
                var same = a.GetBytes(tensor).SequenceEqual(b.GetBytes(b.GetTensor(tensor.Name)));
                if (!trained.Contains(tensor.Name)) Assert.True(same, $"untrained tensor {tensor.Name} changed");
                else if (!same) changed++;
            }
        }
        Assert.Equal(trained.Count, changed);
    }

    // The trained model with every parameter rounded to the stored dtype, as the writer rounds it (to nearest, ties to even).
    private static LlamaModel AsStored(LlamaModel model, SafetensorsDtype dtype)
    {
        using var scope = NewDisposeScope();
        var weights = model.ExportWeights();
        if (dtype == SafetensorsDtype.BF16)
            weights = weights.ToDictionary(w => w.Key, w => w.Value.to_type(ScalarType.BFloat16).to_type(ScalarType.Float32));
        return LlamaModel.FromWeights(model.Config, weights);
    }
}
