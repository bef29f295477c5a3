using System.Globalization;
using Qcqa.Fuzz;

// dotnet run -c Release --project tests/Qcqa.Fuzz -- <target|all> [--executions N] [--seed S] [--limit-ms MS] [--findings DIR] [--replay FILE]
var targetName = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "all";
long executions = 1_000_000;
ulong seed = 1;
var limitMs = 1000;
string findingsFolder = "fuzz-findings";
string? replay = null;
for (var i = targetName == "all" && (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal)) ? 0 : 1; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--executions": executions = long.Parse(args[i + 1], NumberStyles.Integer | NumberStyles.AllowThousands, CultureInfo.InvariantCulture); break;
        case "--seed": seed = ulong.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--limit-ms": limitMs = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--findings": findingsFolder = args[i + 1]; break;
        case "--replay": replay = args[i + 1]; break;
        default:
            Console.Error.WriteLine($"Unknown option {args[i]}.");
            return 2;
    }
}

var targets = targetName == "all" ? Targets.All : Targets.All.Where(t => t.Name == targetName).ToArray();
if (targets.Count == 0)
{
    Console.Error.WriteLine($"Unknown target '{targetName}'; targets: all, {string.Join(", ", Targets.All.Select(t => t.Name))}.");
    return 2;
}

if (replay is not null)
{
    foreach (var target in targets) Console.WriteLine($"{target.Name}: {target.Run(File.ReadAllBytes(replay))}");
    return 0;
}

var failed = false;
foreach (var target in targets)
{
    var seeds = SeedCorpus.Load(SeedCorpus.DefaultRoot, target.Name);
    Console.WriteLine($"{target.Name}: {seeds.Count} seed inputs, {executions:N0} executions, seed {seed}, limit {limitMs} ms");
    var report = new FuzzEngine(target, seed, TimeSpan.FromMilliseconds(limitMs)).Run(executions, seeds, Console.WriteLine);
    Console.WriteLine(report);
    Directory.CreateDirectory(findingsFolder);
    File.WriteAllBytes(Path.Combine(findingsFolder, $"{target.Name}-slowest.bin"), report.SlowestInput);
    if (report.Findings.Count > 0)
    {
        failed = true;
        FuzzEngine.Save(report, findingsFolder);
        foreach (var (_, problem) in report.Findings) Console.WriteLine("  FINDING " + problem.Split('\n')[0]);
        Console.WriteLine($"  inputs saved under {Path.GetFullPath(findingsFolder)}");
    }
}
return failed ? 1 : 0;
