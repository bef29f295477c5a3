using Qcqa.Core.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace Qcqa.Core.Spec;

/// <summary>Turns the YAML tree of a spec into a <see cref="QcqaSpec"/>, reporting every problem on the way.</summary>
internal sealed class SpecParser
{
    private readonly SpecContext _context;
    private DeviceKind _defaultDevice = DeviceKind.Cpu;
    private SearchSettingsSpec _defaultSearch = SearchSettingsSpec.Default;

    internal SpecParser(SpecContext context) => _context = context;

    internal QcqaSpec? Parse(YamlNode root)
    {
        var top = _context.Mapping(root, "the spec", SpecKeys.TopLevel);
        if (top is null) return null;
        if (top["version"] is { } version) _context.Integer(version, "version", SpecKeys.CurrentVersion, SpecKeys.CurrentVersion);
        if (top["defaults"] is { } defaults) ParseDefaults(defaults);
        var evaluation = top["evaluation"] is { } evaluationNode ? ParseEvaluation(evaluationNode) : null;
        var models = top.Required("models", "a list of models, each with a 'path' and 'variants'") is { } modelsNode ? ParseModels(modelsNode) : [];
        return _context.Diagnostics.Count == 0
            ? new QcqaSpec { SourcePath = _context.File, BaseDirectory = _context.BaseDirectory, Models = models, Evaluation = evaluation }
            : null;
    }

    private void ParseDefaults(YamlNode node)
    {
        if (_context.Mapping(node, "defaults", SpecKeys.Defaults) is not { } defaults) return;
        if (defaults["device"] is { } device && _context.Choice(device, "device", SpecNames.Devices) is { } d) _defaultDevice = d;
        if (defaults["search"] is { } search) _defaultSearch = ParseSearch(search).Over(SearchSettingsSpec.Default);
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
        if (evaluation.Required("text", "the held-out text file, relative to the spec") is not { } textNode
            || _context.Text(textNode, "evaluation.text") is not { } text)
            return null;
        var full = Path.GetFullPath(Path.Combine(_context.BaseDirectory, text));
        if (_context.Options.CheckPathsExist && !File.Exists(full))
            _context.Report(ErrorCodes.BadEvaluationInput, textNode, $"The held-out text file '{text}' was not found (looked for {full}).");
        return maxTokens is { } tokens ? new EvaluationSpec(full, tokens, _context.At(node)) : null;
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
        var variantsNode = model.Required("variants", "a list of variants, each with a 'name', a 'mode' and a 'budget'");
        // Variants are checked even when the model itself is broken, so that one pass reports every problem.
        var variants = variantsNode is null ? [] : ParseVariants(variantsNode, name ?? "", full ?? _context.BaseDirectory, what);
        if (name is null || full is null) return null;
        return new ModelSpec { Name = name, Path = full, Variants = variants, Location = _context.At(node), PathLocation = _context.At(pathNode!) };
    }

    private void CheckModelFolder(YamlNode pathNode, string path, string full)
    {
        if (!_context.Options.CheckPathsExist || Directory.Exists(full)) return;
        var message = File.Exists(full)
            ? $"The model path '{path}' is a file; it must name the model's folder (the one holding config.json)."
            : $"The model folder '{path}' was not found (looked for {full}).";
        _context.Report(ErrorCodes.SpecMissingModel, pathNode, message);
    }

    private IReadOnlyList<VariantSpec> ParseVariants(YamlNode node, string modelName, string modelPath, string what)
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
            if (ParseVariant(item, modelName, modelPath, what, out var nameNode, out var outputNode) is not { } variant) continue;
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

    private VariantSpec? ParseVariant(YamlNode node, string modelName, string modelPath, string modelWhat, out YamlNode? nameNode, out YamlNode? outputNode)
    {
        nameNode = outputNode = null;
        if (_context.Mapping(node, $"a variant of {modelWhat}", SpecKeys.Variant) is not { } variant) return null;
        var before = _context.Diagnostics.Count;
        nameNode = variant.Required("name", "the variant's name, also its output folder");
        var name = nameNode is null ? null : _context.Name(nameNode, "The variant name");
        var what = name is null ? $"a variant of {modelWhat}" : $"variant '{name}'";

        var modeNode = variant.Required("mode", $"one of {string.Join(", ", SpecNames.Modes.Keys)}");
        var mode = modeNode is null ? null : _context.Choice(modeNode, "mode", SpecNames.Modes);

        BudgetSpec? budget = null;
        if (variant["budget"] is { } budgetNode)
        {
            if (mode == VariantMode.Mqa)
                _context.Report(ErrorCodes.SpecBadValue, variant.KeyNode("budget"),
                    "Mode 'mqa' keeps exactly one KV head per layer and takes no budget; remove 'budget' or choose another mode.");
            else
                budget = BudgetParser.Parse(_context, budgetNode);
        }
        else if (mode is { } m && m != VariantMode.Mqa)
        {
            _context.Report(ErrorCodes.SpecMissingKey, node,
                $"{Capitalise(what)} (mode '{m.ToSpecString()}') is missing 'budget', e.g. budget: 0.5 to keep half the KV cache.");
        }

        var search = variant["search"] is { } searchNode ? ParseSearch(searchNode).Over(_defaultSearch) : _defaultSearch;
        var device = variant["device"] is { } deviceNode ? _context.Choice(deviceNode, "device", SpecNames.Devices) : _defaultDevice;
        outputNode = variant["output"] ?? nameNode;
        var output = variant["output"] is { } o ? _context.Name(o, "The output name") : name;

        if (_context.Diagnostics.Count > before || name is null || output is null || mode is null || device is null) return null;
        return new VariantSpec
        {
            ModelName = modelName,
            ModelPath = modelPath,
            ModelPathFromSpec = Path.GetRelativePath(_context.BaseDirectory, modelPath).Replace('\\', '/'),
            Name = name,
            OutputName = output,
            Mode = mode.Value,
            Budget = budget,
            Search = search,
            Device = device.Value,
            Location = _context.At(node),
        };
    }

    private static string Capitalise(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
