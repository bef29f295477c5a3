// Prints the report that `dotnet build` wrote next to this program (bin/<configuration>/net10.0/qcqa/summary.md).
var summary = Path.Combine(AppContext.BaseDirectory, "qcqa", "summary.md");
if (!File.Exists(summary))
{
    Console.Error.WriteLine($"No QCQA report at {summary}: build the sample first (dotnet build samples/QcqaSample).");
    return 1;
}
Console.WriteLine(File.ReadAllText(summary));
return 0;
