using Qcqa.Core.Allocation;
using Qcqa.Core.Calibration;
using Qcqa.Core.Diagnostics;
using Qcqa.Core.FineTuning;
using Qcqa.Core.Grouping;
using Qcqa.Core.Merge;
using Qcqa.Core.Search;
using YamlDotNet.RepresentationModel;

namespace Qcqa.Core.Spec;

/// <summary>Turns the YAML tree of a spec into a <see cref="QcqaSpec"/>, reporting every problem on the way.</summary>
internal sealed class SpecParser
{
    private readonly SpecContext _context;
    private DeviceKind _defaultDevice = DeviceKind.Cpu;
    private SearchSettingsSpec _defaultSearch = SearchSettingsSpec.Default;
    private (MergeMethod Value, YamlNode Node)? _defaultMerge;
    private (FitnessKind Value, YamlNode Node)? _defaultFitness;
    private (AllocationMethod Value, YamlNode Node)? _defaultAllocation;
    private FineTuneOverride? _defaultFineTune;
    private CalibrationSpec? _calibration;

    internal SpecParser(SpecContext context) => _context = context;

    internal QcqaSpec? Parse(YamlNode root)
    {
        var top = _context.Mapping(root, "the spec", SpecKeys.TopLevel);
        if (top is null) return null;
        if (top["version"] is { } version) _context.Integer(version, "version", SpecKeys.CurrentVersion, SpecKeys.CurrentVersion);
        var memoryLimit = top["memory_limit"] is { } memoryNode ? _context.Size(memoryNode, "memory_limit") : null;
        if (top["defaults"] is { } defaults) ParseDefaults(defaults);
        _calibration = top["calibration"] is { } calibrationNode ? ParseCalibration(calibrationNode, "calibration") : null;
        if (_context.Options.CalibrationText is { } overridden)
        {
            // Checked like the spec's own calibration.text (which it replaces), whether or not a variant uses it.
            var full = Path.GetFullPath(overridden);
            if (_context.Options.CheckPathsExist && !File.Exists(full))
                _context.Report(ErrorCodes.BadEvaluationInput, new SourceLocation(overridden, 0, 0), Directory.Exists(full)
                    ? $"The calibration text '{overridden}' (--calibration) is a folder; it must name a text file."
                    : $"The calibration text file '{overridden}' (--calibration) does not exist.");
            _calibration = new CalibrationSpec(full, _calibration?.MaxTokens ?? CalibrationSpec.DefaultMaxTokens,
                _calibration?.ProbeTokens ?? CalibrationSpec.DefaultProbeTokens, new SourceLocation(overridden, 0, 0));
        }
        var evaluation = top["evaluation"] is { } evaluationNode ? ParseEvaluation(evaluationNode) : null;
        var models = top.Required("models", "a list of models, each with a 'path' and 'variants'") is { } modelsNode ? ParseModels(modelsNode) : [];
        return _context.Diagnostics.Count == 0
            ? new QcqaSpec
            {
                SourcePath = _context.File, BaseDirectory = _context.BaseDirectory, Models = models, Evaluation = evaluation,
                Calibration = _calibration, DefaultDevice = _defaultDevice, MemoryLimitBytes = memoryLimit,
            }
            : null;
    }

    private void ParseDefaults(YamlNode node)
    {
        if (_context.Mapping(node, "defaults", SpecKeys.Defaults) is not { } defaults) return;
        if (defaults["device"] is { } device && _context.Choice(device, "device", SpecNames.Devices) is { } d) _defaultDevice = d;
        if (defaults["search"] is { } search) _defaultSearch = ParseSearch(search).Over(SearchSettingsSpec.Default);
        if (defaults["merge"] is { } merge && _context.Choice(merge, "merge", SpecNames.MergeMethods) is { } m) _defaultMerge = (m, merge);
        if (defaults["fitness"] is { } fitness && _context.Choice(fitness, "fitness", SpecNames.Fitnesses) is { } f) _defaultFitness = (f, fitness);
        if (defaults["allocation"] is { } allocation && _context.Choice(allocation, "allocation", SpecNames.Allocations) is { } a) _defaultAllocation = (a, allocation);
        if (defaults["finetune"] is { } finetune) _defaultFineTune = ParseFineTune(finetune, "defaults.finetune", out _);
    }

    private CalibrationSpec? ParseCalibration(YamlNode node, string what)
    {
        if (_context.Mapping(node, what, SpecKeys.Calibration) is not { } calibration) return null;
        var maxTokens = calibration["max_tokens"] is { } m ? _context.Integer(m, $"{what}.max_tokens", 2, int.MaxValue) : CalibrationSpec.DefaultMaxTokens;
        var probeTokens = calibration["probe_tokens"] is { } p ? _context.Integer(p, $"{what}.probe_tokens", 2, int.MaxValue) : CalibrationSpec.DefaultProbeTokens;
        if (calibration.Required("text", "the calibration text file (from the model's training data, never the held-out text), relative to the spec") is not { } textNode
            || ExistingFile(textNode, $"{what}.text", "calibration text") is not { } text)
            return null;
        return maxTokens is { } tokens && probeTokens is { } probe ? new CalibrationSpec(text, tokens, probe, _context.At(node)) : null;
    }

    // A file path relative to the spec, checked to exist (when the reader checks paths); its full path.
    private string? ExistingFile(YamlNode node, string what, string description)
    {
        if (_context.Text(node, what) is not { } text) return null;
        var full = Path.GetFullPath(Path.Combine(_context.BaseDirectory, text));
        if (!_context.Options.CheckPathsExist || File.Exists(full)) return full;
        _context.Report(ErrorCodes.BadEvaluationInput, node, Directory.Exists(full)
            ? $"The {description} '{text}' is a folder; it must name a text file."
            : $"The {description} file '{text}' was not found (looked for {full}).");
        return null;
    }

    // A finetune mapping (layered later), or `false` for "no fine-tuning" (returned as null with disabled = true).
    private FineTuneOverride? ParseFineTune(YamlNode node, string what, out bool disabled)
    {
        disabled = false;
        if (node is YamlScalarNode scalar && SpecScalar.KindOf(scalar) == SpecScalarKind.Boolean)
        {
            if (_context.Boolean(node, what) == false)
            {
                disabled = true;
                return null;
            }
            _context.Report(ErrorCodes.SpecBadValue, node, $"{what} is a mapping of settings (e.g. {{ tokens: 120000, loss: kd }}), or false to switch it off.");
            return null;
        }
        if (_context.Mapping(node, what, SpecKeys.FineTune) is not { } finetune) return null;
        var before = _context.Diagnostics.Count;
        var text = finetune["text"] is { } t ? ExistingFile(t, $"{what}.text", "fine-tuning text") : null;
        var steps = finetune["steps"] is { } s ? _context.Integer(s, $"{what}.steps", 1, 10_000_000) : null;
        var tokens = finetune["tokens"] is { } k ? _context.Integer(k, $"{what}.tokens", 1, int.MaxValue) : null;
        if (finetune["steps"] is not null && finetune["tokens"] is not null)
            _context.Report(ErrorCodes.SpecBadValue, finetune.KeyNode("tokens"), $"{what} gives both 'steps' and 'tokens'; give one of them.");
        var rate = finetune["learning_rate"] is { } r ? _context.PositiveNumber(r, $"{what}.learning_rate") : null;
        var batch = finetune["batch_tokens"] is { } b ? _context.Integer(b, $"{what}.batch_tokens", 1, 1 << 24) : null;
        var length = finetune["sequence_length"] is { } l ? _context.Integer(l, $"{what}.sequence_length", 2, 1 << 20) : null;
        // Whether batch_tokens is a whole number of windows is checked once layered (ParseRecipe): either may come from defaults.
        var windowAt = finetune.Has("batch_tokens") ? _context.At(finetune.KeyNode("batch_tokens"))
            : finetune.Has("sequence_length") ? _context.At(finetune.KeyNode("sequence_length")) : (SourceLocation?)null;
        var loss = finetune["loss"] is { } lossNode ? _context.Choice(lossNode, $"{what}.loss", FineTuneNames.Losses) : null;
        var parameters = finetune["params"] is { } p ? _context.Choice(p, $"{what}.params", FineTuneNames.Parameters) : null;
        var seed = finetune["seed"] is { } seedNode ? _context.Integer(seedNode, $"{what}.seed", 0, int.MaxValue) : null;
        var mode = finetune["mode"] is { } modeNode ? _context.Choice(modeNode, $"{what}.mode", FineTuneNames.Modes) : null;
        if (_context.Diagnostics.Count > before) return null;
        return new FineTuneOverride(text, steps, tokens, rate, batch, length, loss, parameters, seed, mode, _context.At(node), windowAt);
    }

    private SearchSettingsOverride ParseSearch(YamlNode node)
    {
        if (_context.Mapping(node, "search", SpecKeys.Search) is not { } search) return SearchSettingsOverride.None;
        return new SearchSettingsOverride(
            search["population"] is { } p ? _context.Integer(p, "search.population", SearchSettingsSpec.MinPopulation, SearchSettingsSpec.MaxPopulation) : null,
            search["generations"] is { } g ? _context.Integer(g, "search.generations", 1, SearchSettingsSpec.MaxGenerations) : null,
            search["seed"] is { } s ? _context.Integer(s, "search.seed", 0, int.MaxValue) : null,
            _context.At(node));
    }

    private EvaluationSpec? ParseEvaluation(YamlNode node)
    {
        if (_context.Mapping(node, "evaluation", SpecKeys.Evaluation) is not { } evaluation) return null;
        var maxTokens = evaluation["max_tokens"] is { } m ? _context.Integer(m, "evaluation.max_tokens", 1, int.MaxValue) : EvaluationSpec.DefaultMaxTokens;
        var precision = evaluation["precision"] is { } p ? _context.Choice(p, "evaluation.precision", SpecNames.Precisions) : Evaluation.ComputePrecision.Float32;
        if (evaluation.Required("text", "the held-out text file, relative to the spec") is not { } textNode
            || _context.Text(textNode, "evaluation.text") is not { } text)
            return null;
        var full = Path.GetFullPath(Path.Combine(_context.BaseDirectory, text));
        if (_context.Options.CheckPathsExist && !File.Exists(full))
            _context.Report(ErrorCodes.BadEvaluationInput, textNode, $"The held-out text file '{text}' was not found (looked for {full}).");
        return maxTokens is { } tokens && precision is { } chosen ? new EvaluationSpec(full, tokens, _context.At(node)) { Precision = chosen } : null;
    }

    private IReadOnlyList<ModelSpec> ParseModels(YamlNode node)
    {
        if (node is not YamlSequenceNode list || list.Children.Count == 0)
        {
            _context.Report(ErrorCodes.SpecBadValue, node, node is YamlSequenceNode
                ? "models is an empty list; list at least one model (lines starting with '- ')."
                : $"models must be a non-empty list of models (lines starting with '- '), not {SpecScalar.Describe(node)}.");
            return [];
        }
        var models = new List<ModelSpec>();
        var seen = new Dictionary<string, SourceLocation>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in list.Children)
        {
            if (ParseModel(item, out var nameNode) is not { } model) continue;
            // Case-insensitive: model names become folder names, and some file systems ignore case.
            if (seen.TryGetValue(model.Name, out var first))
                _context.Report(ErrorCodes.SpecBadValue, nameNode, $"Two models are named '{model.Name}' (the first at line {first.Line}); give one a different 'name'.");
            else
                seen[model.Name] = _context.At(nameNode);
            models.Add(model);
        }
        return models;
    }

    private ModelSpec? ParseModel(YamlNode node, out YamlNode nameNode)
    {
        nameNode = node;
        if (_context.Mapping(node, "a model", SpecKeys.Model) is not { } model) return null;
        var pathNode = model.Required("path", "the model's Hugging Face folder, relative to the spec");
        var path = pathNode is null ? null : _context.Text(pathNode, "path");
        string? full = null, name = null;
        if (path is not null)
        {
            full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.Combine(_context.BaseDirectory, path)));
            CheckModelFolder(pathNode!, path, full);
        }
        if (model["name"] is { } explicitName)
        {
            nameNode = explicitName;
            name = _context.Name(explicitName, "The model name");
        }
        else if (full is not null)
        {
            nameNode = pathNode!;
            name = Path.GetFileName(full);
            if (!SpecContext.IsValidName(name))
            {
                _context.Report(ErrorCodes.SpecBadValue, pathNode!,
                    $"The folder name '{name}' cannot name the model's outputs; add a 'name' with only letters, digits, '.', '_' and '-'.");
                name = null;
            }
        }
        var what = name is null ? "a model" : $"model '{name}'";
        var calibration = model["calibration"] is { } calibrationNode && _context.Options.CalibrationText is null
            ? ParseCalibration(calibrationNode, $"the calibration of {what}")
            : _calibration;
        var variantsNode = model.Required("variants", "a list of variants, each with a 'name', a 'mode' and a 'budget'");
        // Variants are checked even when the model itself is broken, so that one pass reports every problem.
        var variants = variantsNode is null ? [] : ParseVariants(variantsNode, name ?? "", full ?? _context.BaseDirectory, what, calibration);
        if (name is null || full is null) return null;
        return new ModelSpec
        {
            Name = name, Path = full, Variants = variants, Calibration = calibration, Location = _context.At(node), PathLocation = _context.At(pathNode!),
        };
    }

    private void CheckModelFolder(YamlNode pathNode, string path, string full)
    {
        if (!_context.Options.CheckPathsExist || Directory.Exists(full)) return;
        var message = File.Exists(full)
            ? $"The model path '{path}' is a file; it must name the model's folder (the one holding config.json)."
            : $"The model folder '{path}' was not found (looked for {full}).";
        _context.Report(ErrorCodes.SpecMissingModel, pathNode, message);
    }

    private IReadOnlyList<VariantSpec> ParseVariants(YamlNode node, string modelName, string modelPath, string what, CalibrationSpec? calibration)
    {
        if (node is not YamlSequenceNode list || list.Children.Count == 0)
        {
            _context.Report(ErrorCodes.SpecBadValue, node, node is YamlSequenceNode
                ? $"The variants of {what} are an empty list; list at least one variant (a 'name', a 'mode' and a 'budget')."
                : $"The variants of {what} must be a non-empty list, not {SpecScalar.Describe(node)}.");
            return [];
        }
        var variants = new List<VariantSpec>();
        var names = new Dictionary<string, SourceLocation>(StringComparer.OrdinalIgnoreCase);
        var outputs = new Dictionary<string, SourceLocation>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in list.Children)
        {
            if (ParseVariant(item, modelName, modelPath, what, calibration, out var nameNode, out var outputNode) is not { } variant) continue;
            if (names.TryGetValue(variant.Name, out var first))
            {
                _context.Report(ErrorCodes.SpecBadValue, nameNode!,
                    $"{Capitalise(what)} has two variants named '{variant.Name}' (the first at line {first.Line}); variant names must be unique per model.");
                continue;
            }
            names[variant.Name] = _context.At(nameNode!);
            if (outputs.TryGetValue(variant.OutputName, out var clash))
            {
                _context.Report(ErrorCodes.SpecBadValue, outputNode!,
                    $"Variant '{variant.Name}' writes to output folder '{variant.OutputName}', which the variant at line {clash.Line} already uses; set a different 'output'.");
                continue;
            }
            outputs[variant.OutputName] = _context.At(outputNode!);
            variants.Add(variant);
        }
        return variants;
    }

    private VariantSpec? ParseVariant(YamlNode node, string modelName, string modelPath, string modelWhat, CalibrationSpec? calibration,
        out YamlNode? nameNode, out YamlNode? outputNode)
    {
        nameNode = outputNode = null;
        if (_context.Mapping(node, $"a variant of {modelWhat}", SpecKeys.Variant) is not { } variant) return null;
        var before = _context.Diagnostics.Count;
        nameNode = variant.Required("name", "the variant's name, also its output folder");
        var name = nameNode is null ? null : _context.Name(nameNode, "The variant name");
        var what = name is null ? $"a variant of {modelWhat}" : $"variant '{name}'";

        var modeNode = variant.Required("mode", $"one of {string.Join(", ", GroupingModes.SpecModes.Keys)}");
        var mode = modeNode is null ? null : _context.Choice(modeNode, "mode", GroupingModes.SpecModes);

        KvBudget? budget = null;
        if (variant["budget"] is { } budgetNode)
        {
            if (mode == GroupingMode.Mqa)
                _context.Report(ErrorCodes.SpecBadValue, variant.KeyNode("budget"),
                    "Mode 'mqa' keeps exactly one KV head per layer and takes no budget; remove 'budget' or choose another mode.");
            else
                budget = BudgetParser.Parse(_context, budgetNode);
        }
        else if (mode is { } m && m != GroupingMode.Mqa)
        {
            _context.Report(ErrorCodes.SpecMissingKey, node,
                $"{Capitalise(what)} (mode '{m.ToName()}') is missing 'budget', e.g. budget: 0.5 to keep half the KV cache.");
        }

        var recipe = ParseRecipe(variant, node, what, calibration);
        var search = variant["search"] is { } searchNode ? ParseSearch(searchNode).Over(_defaultSearch) : _defaultSearch;
        var device = variant["device"] is { } deviceNode ? _context.Choice(deviceNode, "device", SpecNames.Devices) : _defaultDevice;
        outputNode = variant["output"] ?? nameNode;
        var output = variant["output"] is { } o ? _context.Name(o, "The output name") : name;

        if (_context.Diagnostics.Count > before || name is null || output is null || mode is null || device is null || recipe is null) return null;
        return new VariantSpec
        {
            ModelName = modelName,
            ModelPath = modelPath,
            ModelPathFromSpec = Path.GetRelativePath(_context.BaseDirectory, modelPath).Replace('\\', '/'),
            Name = name,
            OutputName = output,
            Mode = mode.Value,
            Budget = budget,
            Merge = recipe.Value.Merge,
            Fitness = recipe.Value.Fitness,
            Allocation = recipe.Value.Allocation,
            FineTune = recipe.Value.FineTune,
            Calibration = calibration,
            Search = search,
            Device = device.Value,
            Location = _context.At(node),
        };
    }

    // merge, fitness, allocation and finetune of a variant, each from the variant, else defaults, else the default that
    // fits the others: the aligned merge searches on its own error and allocates by measured cost when there is
    // calibration text (measured, or gradient-estimated for large models; uniformly without); the paper's mean merge uses the paper's WSE for both.
    private (MergeMethod Merge, FitnessKind Fitness, AllocationMethod Allocation, FineTuneSpec? FineTune)? ParseRecipe(
        SpecMapping variant, YamlNode node, string what, CalibrationSpec? calibration)
    {
        var before = _context.Diagnostics.Count;
        var merge = variant["merge"] is { } m ? _context.Choice(m, "merge", SpecNames.MergeMethods) : _defaultMerge?.Value ?? MergeMethod.Aligned;
        var fitness = variant["fitness"] is { } f ? _context.Choice(f, "fitness", SpecNames.Fitnesses)
            : _defaultFitness?.Value ?? (merge == MergeMethod.Mean ? FitnessKind.Wse : FitnessKind.Aligned);
        var allocationNode = variant["allocation"] ?? _defaultAllocation?.Node;
        var allocation = variant["allocation"] is { } a ? _context.Choice(a, "allocation", SpecNames.Allocations)
            : _defaultAllocation?.Value ?? (merge == MergeMethod.Mean ? AllocationMethod.Wse : calibration is null ? AllocationMethod.Uniform : AllocationMethod.Auto);
        if (allocation is AllocationMethod.Measured or AllocationMethod.Estimated or AllocationMethod.Gradient or AllocationMethod.Auto && calibration is null)
            _context.Report(ErrorCodes.SpecBadValue, allocationNode ?? node,
                $"{Capitalise(what)} allocates by '{allocation.Value.ToSpecString()}' cost, which probes the model on calibration text; add a 'calibration' section (text: …) or choose allocation: wse or uniform.");

        FineTuneSpec? fineTune = null;
        var disabled = false;
        var own = variant["finetune"] is { } t ? ParseFineTune(t, $"the finetune of {what}", out disabled) : null;
        var layered = disabled ? null : own?.Over(_defaultFineTune) ?? (variant["finetune"] is null ? _defaultFineTune : null);
        if (layered is not null && layered.EffectiveBatchTokens % layered.EffectiveSequenceLength != 0)
        {
            _context.Report(ErrorCodes.SpecBadValue, layered.WindowAt ?? layered.Location,
                $"{Capitalise(what)}: finetune.batch_tokens ({layered.EffectiveBatchTokens}) must be a multiple of sequence_length " +
                $"({layered.EffectiveSequenceLength}): a batch is a whole number of windows.");
        }
        else if (layered is not null)
        {
            fineTune = layered.Resolve(calibration?.TextPath);
            if (fineTune is null)
                _context.Report(ErrorCodes.SpecBadValue, variant["finetune"] ?? node,
                    $"{Capitalise(what)} is fine-tuned but names no text: add finetune.text, or a 'calibration' section whose text it then trains on.");
        }
        if (_context.Diagnostics.Count > before || merge is null || fitness is null || allocation is null) return null;
        return (merge.Value, fitness.Value, allocation.Value, fineTune);
    }

    private static string Capitalise(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
