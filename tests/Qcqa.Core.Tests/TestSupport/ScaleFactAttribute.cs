using Xunit;

namespace Qcqa.Core.Tests.TestSupport;

/// <summary>A fact that runs only when the environment variable <c>QCQA_SCALE_TESTS=1</c> is set (multi-GB benchmarks).</summary>
public sealed class ScaleFactAttribute : FactAttribute
{
    /// <summary>Skips unless scale tests were asked for.</summary>
    public ScaleFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("QCQA_SCALE_TESTS") != "1")
            Skip = "Scale benchmark; set QCQA_SCALE_TESTS=1 to run it.";
    }
}
