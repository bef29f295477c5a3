// Prints the report that `dotnet build` wrote next to this program (bin/<configuration>/net10.0/qcqa/summary.md).
var summary = Path.Combine(AppContext.BaseDirectory, "qcqa", "summary.md");
if (!File.Exists(summary))
{
    Console.Error.WriteLine($"No QCQA report at {summary}: run `dotnet build` first.");
    return 1;
}
Console.WriteLine(File.ReadAllText(summary));
return 0;
