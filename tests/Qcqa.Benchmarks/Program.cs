using System.Reflection;
using Qcqa.Benchmarks;

// Usage: dotnet run -c Release --project tests/Qcqa.Benchmarks -- <name> [args...]
// Every IBenchmark in this assembly is available by its Name; with no name (or an unknown one) the list is printed.
var benchmarks = Assembly.GetExecutingAssembly().GetTypes()
    .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .OrderBy(b => b.Name, StringComparer.Ordinal)
    .ToList();

var chosen = args.Length > 0 ? benchmarks.FirstOrDefault(b => b.Name == args[0]) : null;
if (chosen is null)
{
    if (args.Length > 0) Console.Error.WriteLine($"Unknown benchmark '{args[0]}'.");
    Console.Error.WriteLine("Usage: dotnet run -c Release --project tests/Qcqa.Benchmarks -- <name> [args...]");
    foreach (var b in benchmarks) Console.Error.WriteLine($"  {b.Name,-18} {b.Description}");
    return args.Length > 0 ? 1 : 0;
}
#if DEBUG
Console.WriteLine("warning: Debug build; timings are not representative (use -c Release).");
#endif
Console.WriteLine($"{chosen.Name}: {chosen.Description}");
Console.WriteLine($"machine: {Environment.ProcessorCount} logical processors, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");
chosen.Run(args.Skip(1).ToArray());
return 0;
