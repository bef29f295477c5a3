using System.Text;
using System.Text.RegularExpressions;
using Qcqa.Cli.Tests.TestSupport;
using Qcqa.Core.Checkpoints;
using Qcqa.Tests.Shared;
using Xunit.Abstractions;

namespace Qcqa.Cli.Tests.Hostile;

/// <summary>
/// The hostile-input corpus of issue 11: each case breaks one thing a hostile-but-fair user could break (checkpoint,
/// config, shard index, grouping file, spec, command-line options, environment) and asserts everything a failed run
/// promises: exit code 1, the exact code on the first error line, every diagnostic in canonical form, no stack trace,
/// and the whole workspace byte for byte as it was (nothing left beside the output, no input touched).
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class HostileInputTests(ITestOutputHelper log)
{
    private static readonly string Nested = new string('[', 100_000) + new string(']', 100_000);
    private const string AliasBomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n? [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n: boom\n";
    private static readonly string K1 = LlamaTensorNames.KeyWeight(1);

    private static readonly HostileCase[] Table =
    [
        // checkpoint
        new("checkpoint", "truncated weights", "QCQA010", w => File.WriteAllBytes(w.Weights, File.ReadAllBytes(w.Weights)[..^40]), w => w.Merge(), "truncated"),
        new("checkpoint", "a weights file shorter than 8 bytes", "QCQA010", w => File.WriteAllBytes(w.Weights, [1, 2, 3]), w => w.Merge()),
        new("checkpoint", "a header length past the end", "QCQA010", w => File.WriteAllBytes(w.Weights, RawSafetensors.Build("{}", [], declaredLength: 1 << 20)), w => w.Merge()),
        new("checkpoint", "a header that is not JSON", "QCQA010", w => w.ReplaceHeader(h => h.Replace("{", "<", StringComparison.Ordinal)), w => w.Merge()),
        new("checkpoint", "invalid UTF-8 in a tensor name", "QCQA010", w => w.ReplaceHeaderBytes(h => Patch(h, "model.", [0xC3, 0x28])), w => w.Merge(), "UTF-8"),
        new("checkpoint", "a tensor listed twice", "QCQA010", w => w.ReplaceHeader(h => h.Insert(1, "\"lm_head.weight\": 1, ")), w => w.Merge(), "more than once"),
        new("checkpoint", "a header nested 100,000 deep", "QCQA010", w => w.ReplaceHeader(h => h.Insert(1, "\"x\": " + Nested + ", ")), w => w.Merge()),
        new("checkpoint", "an unknown dtype", "QCQA011", w => w.ReplaceHeader(h => new Regex("\"F32\"").Replace(h, "\"F31\"", 1)), w => w.Merge(), "F31"),
        new("checkpoint", "overlapping tensors", "QCQA010", w => File.WriteAllBytes(w.Weights, RawSafetensors.Build("{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}, \"b\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [8, 24]}}", new byte[24])), w => w.Merge(), "overlap"),
        new("checkpoint", "bytes that belong to no tensor", "QCQA010", w => File.WriteAllBytes(w.Weights, RawSafetensors.Build("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", new byte[12])), w => w.Merge()),
        new("checkpoint", "a shape of 2^62 elements", "QCQA010", w => File.WriteAllBytes(w.Weights, RawSafetensors.Build("{\"a\": {\"dtype\": \"F64\", \"shape\": [4611686018427387904, 4], \"data_offsets\": [0, 8]}}", new byte[8])), w => w.Merge(), "too large"),
        new("checkpoint", "no key projection in layer 1", "QCQA012", w => w.ReplaceHeader(h => h.Replace(K1, K1.Replace("k_proj", "x_proj"), StringComparison.Ordinal)), w => w.Merge(), "k_proj"),
        new("checkpoint", "NaN in a key projection (merge)", "QCQA016", w => w.Poison(K1, float.NaN, 3), w => w.Merge(), "non-finite"),
        new("checkpoint", "+Inf in a query projection (search)", "QCQA016", w => w.Poison(LlamaTensorNames.QueryWeight(0), float.PositiveInfinity), w => ["search", w.Model, "--mode", "arbitrary", "--kv-budget", "0.5", "--population", "8", "--generations", "2"], "q_proj"),
        new("checkpoint", "NaN in a value projection (wse)", "QCQA016", w => w.Poison(LlamaTensorNames.ValueWeight(0), float.NaN), w => ["wse", w.Model, "--grouping", w.Grouping], "v_proj"),
        new("checkpoint", "-Inf in an output projection (inspect)", "QCQA016", w => w.Poison(LlamaTensorNames.OutputWeight(1), float.NegativeInfinity), w => ["inspect", w.Model], "o_proj"),
        new("checkpoint", "NaN in a key projection (build)", "QCQA016", w => w.Poison(K1, float.NaN), w => w.Build()),
        new("checkpoint", "a model folder that does not exist", "QCQA001", _ => { }, w => w.Merge(model: w.Model + "-missing")),
        new("checkpoint", "model.safetensors is a folder", "QCQA010", w => { File.Delete(w.Weights); Directory.CreateDirectory(w.Weights); }, w => w.Merge(), "folder"),
        new("checkpoint", "only pickle weights", "QCQA001", w => { File.Move(w.Weights, Path.Combine(w.Model, "pytorch_model.bin")); }, w => w.Merge(), "pickle"),
        // config
        new("config", "invalid UTF-8 in config.json", "QCQA013", w => File.WriteAllBytes(w.Config, Patch(File.ReadAllBytes(w.Config), "llama", [0xFF, 0xFE])), w => w.Merge(), "UTF-8"),
        new("config", "config.json that is not JSON", "QCQA013", w => File.WriteAllText(w.Config, "{\"num_attention_heads\": 4,"), w => w.Merge()),
        new("config", "a key listed twice", "QCQA013", w => File.WriteAllText(w.Config, File.ReadAllText(w.Config).Replace("{", "{\"hidden_size\": 16, ", StringComparison.Ordinal)), w => w.Merge(), "more than once"),
        new("config", "num_hidden_layers 2147483647", "QCQA012", w => w.EditConfig(c => c["num_hidden_layers"] = int.MaxValue), w => w.Merge(), "layer 2"),
        new("config", "num_attention_heads 1e9", "QCQA013", w => File.WriteAllText(w.Config, File.ReadAllText(w.Config).Replace("\"num_attention_heads\": 4", "\"num_attention_heads\": 1e9", StringComparison.Ordinal)), w => w.Merge(), "positive integer"),
        new("config", "num_attention_heads 1000000000 with a head_dim", "QCQA014", w => w.EditConfig(c => { c["num_attention_heads"] = 1_000_000_000; c["num_key_value_heads"] = 1_000_000_000; }), w => w.Merge()),
        new("config", "a negative head count", "QCQA013", w => w.EditConfig(c => c["num_attention_heads"] = -8), w => w.Merge()),
        new("config", "a head count written as text", "QCQA013", w => w.EditConfig(c => c["num_attention_heads"] = "4"), w => w.Merge()),
        new("config", "KV heads that do not divide the heads", "QCQA013", w => w.EditConfig(c => c["num_key_value_heads"] = 3), w => w.Merge(), "divisible"),
        new("config", "more KV heads than heads", "QCQA013", w => w.EditConfig(c => c["num_key_value_heads"] = 8), w => w.Merge()),
        new("config", "config.json is a folder", "QCQA013", w => { File.Delete(w.Config); Directory.CreateDirectory(w.Config); }, w => w.Merge(), "folder"),
        new("config", "no config.json", "QCQA013", w => File.Delete(w.Config), w => w.Merge(), "config.json"),
        new("config", "a qcqa block of version 2", "QCQA013", w => w.EditConfig(c => c["qcqa"] = System.Text.Json.Nodes.JsonNode.Parse("{\"version\": 2, \"layers\": []}")), w => w.Merge(), "version"),
        new("config", "a qcqa block with mode banana", "QCQA013", w => w.EditConfig(c => c["qcqa"] = System.Text.Json.Nodes.JsonNode.Parse("{\"version\": 1, \"mode\": \"banana\", \"layers\": [{\"num_key_value_heads\": 4, \"query_to_kv\": [0, 1, 2, 3]}, {\"num_key_value_heads\": 4, \"query_to_kv\": [0, 1, 2, 3]}]}")), w => w.Merge(), "banana"),
        // index
        new("index", "invalid UTF-8 in the index", "QCQA015", w => File.WriteAllBytes(w.Index, Patch(File.ReadAllBytes(w.Index), "weight_map", [0xC0, 0x80])), w => w.Merge(model: w.Sharded), "UTF-8"),
        new("index", "a tensor listed twice", "QCQA015", w => File.WriteAllText(w.Index, File.ReadAllText(w.Index).Replace("\"weight_map\": {", "\"weight_map\": {\"lm_head.weight\": \"model-00001-of-00002.safetensors\",", StringComparison.Ordinal)), w => w.Merge(model: w.Sharded), "more than once"),
        new("index", "a shard outside the folder", "QCQA015", w => w.EditIndex(i => i["weight_map"]![LlamaTensorNames.LmHead] = "../model/model.safetensors"), w => w.Merge(model: w.Sharded), "plain file name"),
        new("index", "a shard that does not exist", "QCQA015", w => w.EditIndex(i => i["weight_map"]![LlamaTensorNames.LmHead] = "model-00003-of-00003.safetensors"), w => w.Merge(model: w.Sharded), "does not exist"),
        new("index", "a weight_map that is a list", "QCQA015", w => w.EditIndex(i => i["weight_map"] = new System.Text.Json.Nodes.JsonArray()), w => w.Merge(model: w.Sharded), "weight_map"),
        new("index", "a shard that is a folder", "QCQA015", w => { w.EditIndex(i => i["weight_map"]![LlamaTensorNames.LmHead] = "shard-dir"); Directory.CreateDirectory(Path.Combine(w.Sharded, "shard-dir")); }, w => w.Merge(model: w.Sharded), "folder"),
        new("index", "a tensor placed in the wrong shard", "QCQA015", w => w.EditIndex(i => i["weight_map"]![LlamaTensorNames.LmHead] = "model-00001-of-00002.safetensors"), w => w.Merge(model: w.Sharded)),
        new("index", "an index nested 100,000 deep", "QCQA015", w => File.WriteAllText(w.Index, "{\"x\": " + Nested + "}"), w => w.Merge(model: w.Sharded)),
        // grouping
        new("grouping", "a duplicate key", "QCQA020", w => w.WriteGrouping("{\"mode\": \"gqa\", \"mode\": \"gqa\", \"layers\": []}"), w => w.Merge(), "more than once"),
        new("grouping", "an index written as \"zero\"", "QCQA020", w => w.WriteGrouping("{\"mode\": \"gqa\", \"layers\": [{\"index\": \"zero\", \"groups\": [[0, 1], [2, 3]]}, {\"index\": 1, \"groups\": [[0, 1], [2, 3]]}]}"), w => w.Merge(), "zero"),
        new("grouping", "mode banana", "QCQA020", w => w.WriteGrouping("{\"mode\": \"banana\", \"layers\": [{\"groups\": [[0, 1], [2, 3]]}, {\"groups\": [[0, 1], [2, 3]]}]}"), w => w.Merge(), "banana"),
        new("grouping", "invalid UTF-8", "QCQA020", w => w.WriteGrouping(Patch(Encoding.UTF8.GetBytes("{\"mode\": \"gqa-\", \"layers\": []}"), "-", [0xE2, 0x28, 0xA1])), w => w.Merge(), "UTF-8"),
        new("grouping", "a head in two groups", "QCQA020", w => w.WriteGrouping("{\"layers\": [{\"groups\": [[0, 1], [1, 2, 3]]}, {\"groups\": [[0, 1], [2, 3]]}]}"), w => w.Merge(), "partition"),
        new("grouping", "a head out of range", "QCQA020", w => w.WriteGrouping("{\"layers\": [{\"groups\": [[0, 1], [2, 9]]}, {\"groups\": [[0, 1], [2, 3]]}]}"), w => w.Merge(), "partition"),
        new("grouping", "a head index of 1.5", "QCQA020", w => w.WriteGrouping("{\"layers\": [{\"groups\": [[0, 1.5], [2, 3]]}, {\"groups\": [[0, 1], [2, 3]]}]}"), w => w.Merge(), "whole numbers"),
        new("grouping", "the wrong number of layers", "QCQA020", w => w.WriteGrouping("{\"layers\": [{\"groups\": [[0, 1], [2, 3]]}]}"), w => w.Merge(), "layers"),
        new("grouping", "an unknown key", "QCQA020", w => w.WriteGrouping("{\"layers\": [{\"groups\": [[0, 1], [2, 3]]}, {\"groups\": [[0, 1], [2, 3]]}], \"layrs\": 1}"), w => w.Merge(), "layrs"),
        new("grouping", "a grouping file that is a folder", "QCQA020", w => { File.Delete(w.Grouping); Directory.CreateDirectory(w.Grouping); }, w => w.Merge(), "folder"),
        new("grouping", "a grouping file that does not exist", "QCQA001", w => File.Delete(w.Grouping), w => w.Merge()),
        new("grouping", "a wrong kv_heads_total", "QCQA020", w => w.WriteGrouping("{\"layers\": [{\"groups\": [[0, 1], [2, 3]]}, {\"groups\": [[0, 1], [2, 3]]}], \"kv_heads_total\": 3}"), w => w.Merge(), "kv_heads_total"),
        // spec
        new("spec", "an alias bomb used as a mapping key", "QCQA040", w => w.WriteSpec(AliasBomb), w => w.Build(), "alias"),
        new("spec", "a flow sequence nested 100,000 deep", "QCQA040", w => w.WriteSpec("models: " + Nested + "\n"), w => w.Build(), "deep"),
        new("spec", "an alias inside the node it names", "QCQA040", w => w.WriteSpec("models: &m [*m]\n"), w => w.Build()),
        new("spec", "invalid UTF-8", "QCQA040", w => File.WriteAllBytes(w.Spec, Patch(Encoding.UTF8.GetBytes(HostileWorkspace.ValidSpec), "tiny", [0xF8, 0x88, 0x80, 0x80])), w => w.Build(), "UTF-8"),
        new("spec", "an empty variant list", "QCQA042", w => w.WriteSpec("models:\n  - path: ../model\n    variants: []\n"), w => w.Build(), "empty list"),
        new("spec", "an unknown key", "QCQA041", w => w.WriteSpec(HostileWorkspace.ValidSpec.Replace("name: tiny", "nmae: tiny", StringComparison.Ordinal)), w => w.Build(), "nmae"),
        new("spec", "a spec that does not exist", "QCQA001", w => File.Delete(w.Spec), w => w.Build()),
        new("spec", "a budget of NaN", "QCQA042", w => w.WriteSpec(HostileWorkspace.ValidSpec.Replace("budget: 0.5", "budget: .nan", StringComparison.Ordinal)), w => w.Build()),
        new("spec", "a memory_limit that is not a size", "QCQA042", w => w.WriteSpec("memory_limit: 6 gigs\n" + HostileWorkspace.ValidSpec), w => w.Build(), "memory_limit"),
        new("environment", "a memory limit smaller than one decoder layer", "QCQA061", w =>
        {
            // The model reads bytes below its vocabulary of 16.
            File.WriteAllText(Path.Combine(w.Work, "held.txt"), string.Concat(Enumerable.Range(0, 4096).Select(i => (char)(1 + i % 15))));
            w.WriteSpec("memory_limit: 1KB\nevaluation: { text: held.txt }\n" + HostileWorkspace.ValidSpec);
        }, w => w.Build(), "memory limit is 1 kB"),
        new("spec", "a population too small to search", "QCQA042", w => w.WriteSpec(HostileWorkspace.ValidSpec.Replace("population: 8", "population: 1", StringComparison.Ordinal)), w => w.Build(), "population"),
        // cli
        new("cli", "search --population 0", "QCQA003", _ => { }, w => ["search", w.Model, "--kv-budget", "0.5", "--population", "0"], "--population"),
        new("cli", "search --threads 0", "QCQA003", _ => { }, w => ["search", w.Model, "--kv-budget", "0.5", "--threads", "0"], "--threads"),
        new("cli", "search --generations -5", "QCQA003", _ => { }, w => ["search", w.Model, "--kv-budget", "0.5", "--generations", "-5"], "--generations"),
        new("cli", "search --kv-budget NaN", "QCQA030", _ => { }, w => ["search", w.Model, "--kv-budget", "NaN"], "--kv-budget"),
        new("cli", "synth --heads 0", "QCQA003", _ => { }, w => ["synth", Path.Combine(w.Work, "synth"), "--heads", "0"], "--heads"),
        new("cli", "synth --heads 4 --kv-heads 3", "QCQA003", _ => { }, w => ["synth", Path.Combine(w.Work, "synth"), "--heads", "4", "--kv-heads", "3"], "--kv-heads"),
        new("cli", "merge --out \"\"", "QCQA003", _ => { }, w => w.Merge(output: ""), "--out"),
        new("cli", "build --threads -1", "QCQA003", _ => { }, w => w.Build("--threads", "-1"), "--threads"),
        new("cli", "build --memory-limit lots", "QCQA003", _ => { }, w => w.Build("--memory-limit", "lots"), "--memory-limit"),
        new("cli", "an unknown option", "QCQA003", _ => { }, w => ["inspect", w.Model, "--colour"], "--colour"),
        // environment
        new("environment", "synth over an existing checkpoint", "QCQA002", _ => { }, w => ["synth", w.Model], "not empty"),
        new("environment", "merge --out through a symlink into the input", "QCQA002", w => Directory.CreateSymbolicLink(Path.Combine(w.Work, "link"), w.Model), w => w.Merge(output: Path.Combine(w.Work, "link", "out")), "link"),
        new("environment", "merge --out under a file", "QCQA002", _ => { }, w => w.Merge(output: Path.Combine(w.Grouping, "out")), "is a file"),
        new("environment", "merge --out into the input", "QCQA002", _ => { }, w => w.Merge(output: w.Model)),
        new("environment", "build --cache inside a model folder", "QCQA002", _ => { }, w => w.Build("--cache", Path.Combine(w.Model, "cache")), "model folder"),
        new("environment", "build --out and --cache the same folder", "QCQA002", _ => { }, w => w.Build("--cache", w.Out), "overlap"),
        new("environment", "build --cache inside --out", "QCQA002", _ => { }, w => w.Build("--cache", Path.Combine(w.Out, "cache")), "overlap"),
        new("environment", "search --out that is a folder", "QCQA002", w => Directory.CreateDirectory(Path.Combine(w.Work, "grouping-dir")), w => ["search", w.Model, "--kv-budget", "0.5", "--population", "8", "--generations", "2", "--out", Path.Combine(w.Work, "grouping-dir")], "folder"),
        new("environment", "a path too long", "QCQA002", _ => { }, w => w.Merge(output: Path.Combine(w.Work, new string('x', 300))), "too long"),
    ];

    private static readonly Dictionary<string, HostileCase> ByName = Table.ToDictionary(c => c.ToString());

    public static TheoryData<string> Cases => new(Table.Select(c => c.ToString()));

    [Fact]
    public void GivenTheCorpusItCoversEveryFamilyWithAtLeastSixtyCases()
    {
        Assert.True(Table.Length >= 60, $"{Table.Length} cases");
        Assert.Equal(["checkpoint", "cli", "config", "environment", "grouping", "index", "spec"], Table.Select(c => c.Family).Distinct().Order());
        Assert.Equal(Table.Length, ByName.Count);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task GivenAHostileInputItFailsWithOneCodeAndLeavesEverythingAsItWas(string name)
    {
        var hostile = ByName[name];
        using var workspace = new HostileWorkspace();
        hostile.Arrange(workspace);
        var before = Snapshot(workspace.Root);

        var run = await CliRun.InvokeAsync(hostile.Args(workspace));

        log.WriteLine(run.Error);
        Assert.Equal(1, run.ExitCode);
        Assert.NotEmpty(run.ErrorLines);
        Assert.Matches($@": error {hostile.Code}: ", run.ErrorLines[0]);
        if (hostile.Keyword is { } keyword) Assert.Contains(keyword, run.ErrorLines[0], StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", run.Error);
        Assert.DoesNotContain("Exception", run.Error);
        Assert.Equal(before, Snapshot(workspace.Root));
    }

    // Every entry under the workspace with its content hash (files) or a marker (folders, links): equal snapshots mean
    // nothing was added, removed or changed.
    private static Dictionary<string, string> Snapshot(string root)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = false };
        foreach (var entry in Directory.EnumerateFileSystemEntries(root, "*", options))
        {
            var relative = Path.GetRelativePath(root, entry);
            entries[relative] = Directory.Exists(entry) ? "<folder>" : FolderSnapshot.HashFile(entry);
        }
        foreach (var link in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true }).Where(e => new FileInfo(e).LinkTarget is not null))
            entries[Path.GetRelativePath(root, link)] = "<link>";
        return entries;
    }

    private static byte[] Patch(byte[] text, string marker, byte[] bytes)
    {
        var at = Encoding.UTF8.GetString(text).IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{marker}' not found");
        var offset = Encoding.UTF8.GetByteCount(Encoding.UTF8.GetString(text)[..at]);
        return [.. text[..offset], .. bytes, .. text[offset..]];
    }
}
