using System.Diagnostics;
using Qcqa.Core.Cache;
using Qcqa.Tests.Shared;
using Xunit;

namespace Qcqa.Core.Tests.Cache;

/// <summary>
/// Two real processes hammer one cache key. The second process is an F# script run by <c>dotnet fsi</c> (part of
/// every .NET SDK), which loads the Qcqa.Core under test: no helper project to build, and it starts in ~3 s.
/// </summary>
public class ContentCacheTwoProcessTests
{
    private const string Script = """
        #r "@HASHING@"
        #r "@SERILOG@"
        #r "@CORE@"
        open Qcqa.Core.Cache
        let root = fsi.CommandLineArgs.[1]
        let rounds = int fsi.CommandLineArgs.[2]
        let key = CacheKeyBuilder("contended").Add("two processes").Build()
        let payload = Array.init 300000 (fun i -> byte (i % 251))
        let mutable bad = 0
        for _ in 1 .. rounds do
            let cache = ContentCache(root)
            cache.Put(key, System.ReadOnlySpan<byte>(payload))
            let mutable read = Array.empty<byte>
            if not (cache.TryGet(key, &read)) || read <> payload then bad <- bad + 1
        printfn "bad=%d" bad
        """;

    [Fact]
    public async Task TwoProcessesWritingTheSameKeyBothSucceedWithIdenticalContent()
    {
        using var folder = new TempFolder();
        var bin = Path.GetDirectoryName(typeof(ContentCache).Assembly.Location)!;
        var script = folder.Combine("writer.fsx");
        File.WriteAllText(script, Script
            .Replace("@HASHING@", Path.Combine(bin, "System.IO.Hashing.dll"))
            .Replace("@SERILOG@", Path.Combine(bin, "Serilog.dll"))
            .Replace("@CORE@", Path.Combine(bin, "Qcqa.Core.dll")));
        var root = folder.Combine("cache");

        var results = await Task.WhenAll(RunAsync(script, root), RunAsync(script, root));

        foreach (var (exitCode, output) in results)
        {
            Assert.True(exitCode == 0, output);
            Assert.Contains("bad=0", output);
        }
        var key = new CacheKeyBuilder("contended").Add("two processes").Build();
        Assert.True(new ContentCache(root).TryGet(key, out var payload));
        Assert.Equal(Enumerable.Range(0, 300000).Select(i => (byte)(i % 251)), payload);
        Assert.Empty(Directory.GetFiles(root, "*.tmp", SearchOption.AllDirectories));
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string script, string root)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "fsi", "--quiet", script, root, "150" }) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await output + await error);
    }
}
