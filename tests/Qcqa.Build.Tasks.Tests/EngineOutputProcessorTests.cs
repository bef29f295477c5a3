using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Qcqa.Core.Build;
using Qcqa.Core.Diagnostics;
using Xunit;
using static Qcqa.Build.EngineContract;

namespace Qcqa.Build.Tasks.Tests;

public class EngineOutputProcessorTests
{
    private readonly FakeBuildEngine _engine = new();
    private readonly EngineOutputProcessor _processor;

    public EngineOutputProcessorTests() => _processor = new EngineOutputProcessor(new TaskLoggingHelper(_engine, "QcqaRunEngine"));

    [Fact]
    public void AnErrorLineBecomesAPositionedBuildError()
    {
        _processor.OnStandardOutput("error: /p/qcqa.yaml(12,5): error QCQA041: Unknown key 'bugdet'; did you mean 'budget'?");

        var error = Assert.Single(_engine.Errors);
        Assert.Equal(("/p/qcqa.yaml", 12, 5, "QCQA041"), (error.File, error.LineNumber, error.ColumnNumber, error.Code));
        Assert.Equal("Unknown key 'bugdet'; did you mean 'budget'?", error.Message);
        Assert.True(_processor.ReportedError);
    }

    [Fact]
    public void AWarningLineBecomesAWarningWithItsSubcategory()
    {
        _processor.OnStandardOutput("warning: /p/qcqa.yaml(4): spec warning QCQA042: Braces {0} stay as written.");
        var warning = Assert.Single(_engine.Warnings);
        Assert.Equal(("spec", "QCQA042", 4), (warning.Subcategory, warning.Code, warning.LineNumber));
        Assert.Equal("Braces {0} stay as written.", warning.Message);
        Assert.False(_processor.ReportedError);
    }

    [Fact]
    public void InfoAndVerboseLinesBecomeMessagesOfNormalAndLowImportance()
    {
        _processor.OnStandardOutput("info: Compressing tiny-llama/ac-50 {1}");
        _processor.OnStandardOutput("verbose: cache hit gram/0123");
        Assert.Equal(["Compressing tiny-llama/ac-50 {1}"], _engine.MessagesAt(MessageImportance.Normal));
        Assert.Equal(["cache hit gram/0123"], _engine.MessagesAt(MessageImportance.Low));
    }

    [Fact]
    public void ProgressLinesBecomeMessagesOfHighImportanceSoTheDefaultVerbosityShowsThem()
    {
        _processor.OnStandardOutput("progress: QCQA search tiny/ac: arbitrary, 4 layers searched (0.51 s)");
        _processor.OnStandardOutput("progress:QCQA: 1 variants written, 0 up to date in 1.2 s; report /out/summary.md");
        Assert.Equal(["QCQA search tiny/ac: arbitrary, 4 layers searched (0.51 s)", "QCQA: 1 variants written, 0 up to date in 1.2 s; report /out/summary.md"],
            _engine.MessagesAt(MessageImportance.High));
        Assert.Empty(_engine.MessagesAt(MessageImportance.Normal));
    }

    [Fact]
    public void DataLinesBecomeItems()
    {
        _processor.OnStandardOutput("data: output=/out/tiny/ac-50/model.safetensors");
        _processor.OnStandardOutput("data: kv_heads=128=of 256");
        _processor.OnStandardOutput("data: no-equals-sign");

        Assert.Equal("/out/tiny/ac-50/model.safetensors", _processor.Data[0].ItemSpec);
        Assert.Equal(["output", "kv_heads"], _processor.Data.Select(i => i.GetMetadata("Key")));
        Assert.Equal("128=of 256", _processor.Data[1].ItemSpec);
        Assert.Contains(_engine.MessagesAt(MessageImportance.Low), m => m.Contains("malformed data line"));
    }

    [Fact]
    public void UnprefixedLinesAreNormalMessagesAndPrefixesAreCaseSensitive()
    {
        _processor.OnStandardOutput("Hello from the engine");
        _processor.OnStandardOutput("ERROR: shouting is not the protocol");
        Assert.Equal(["Hello from the engine", "ERROR: shouting is not the protocol"], _engine.MessagesAt(MessageImportance.Normal));
        Assert.Empty(_engine.Errors);
    }

    [Fact]
    public void AnErrorLineThatIsNotCanonicalIsStillAnError()
    {
        _processor.OnStandardOutput("error: something broke");
        var error = Assert.Single(_engine.Errors);
        Assert.Equal("something broke", error.Message);
        Assert.Null(error.Code);
    }

    [Fact]
    public void StderrIsLowImportanceWhenTheEngineSucceeds()
    {
        _processor.OnStandardError("note on stderr");
        _processor.Complete(0);
        Assert.Empty(_engine.Errors);
        Assert.Equal(["note on stderr"], _engine.MessagesAt(MessageImportance.Low));
    }

    [Fact]
    public void GivenAFailureWithoutErrorLinesStderrBecomesTheError()
    {
        _processor.OnStandardError("Unhandled exception. System.InvalidOperationException: boom");
        _processor.OnStandardError("   at Main()");
        _processor.Complete(134);
        var error = Assert.Single(_engine.Errors);
        Assert.Equal(TaskError.EngineFailed.Code(), error.Code);
        Assert.Contains("exited with code 134", error.Message);
        Assert.Contains("boom", error.Message);
        Assert.Contains("at Main()", error.Message);
    }

    [Fact]
    public void GivenAFailureWithCanonicalErrorsOnStderrTheyAreReportedWithPositions()
    {
        // An engine run without --msbuild prints user errors plainly to stderr; they still land in place.
        _processor.OnStandardError("/p/qcqa.yaml(3,9): error QCQA043: The model folder 'models/x' was not found.");
        _processor.Complete(1);
        var error = Assert.Single(_engine.Errors);
        Assert.Equal(("QCQA043", 3, 9), (error.Code, error.LineNumber, error.ColumnNumber));
    }

    [Fact]
    public void GivenAFailureWithNothingSaidOneGenericErrorNamesTheExitCode()
    {
        _processor.Complete(7);
        var error = Assert.Single(_engine.Errors);
        Assert.Equal("The QCQA engine exited with code 7 without reporting an error.", error.Message);
    }

    [Fact]
    public void GivenAFailureAfterAnErrorLineNoGenericErrorIsAdded()
    {
        _processor.OnStandardOutput("error: qcqa: error QCQA060: libtorch could not be loaded.");
        _processor.OnStandardError("details");
        _processor.Complete(1);
        Assert.Single(_engine.Errors);
    }

    [Fact]
    public void WhatTheEngineSideWriterWritesTheTaskMapsBack()
    {
        var text = new StringWriter();
        var writer = new EngineProtocolWriter(text);
        writer.Error(new Diagnostic(ErrorCodes.SpecUnknownKey, "Unknown key 'x'.", new SourceLocation("/p/qcqa.yaml", 2, 3)));
        writer.Warning(null, 0, 0, ErrorCodes.ImpossibleBudget, "Tight budget.");
        writer.Info("line one\nline two");
        writer.Progress("QCQA merge tiny/ac: written (0.10 s)");
        writer.Verbose("detail");
        writer.Data("kv_heads", "64");

        foreach (var line in text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)) _processor.OnStandardOutput(line);

        var error = Assert.Single(_engine.Errors);
        Assert.Equal(("/p/qcqa.yaml", 2, 3, "QCQA041", "Unknown key 'x'."), (error.File, error.LineNumber, error.ColumnNumber, error.Code, error.Message));
        var warning = Assert.Single(_engine.Warnings);
        Assert.Equal(("QCQA030", "Tight budget."), (warning.Code, warning.Message));
        Assert.Equal(["line one", "line two"], _engine.MessagesAt(MessageImportance.Normal));
        Assert.Equal(["QCQA merge tiny/ac: written (0.10 s)"], _engine.MessagesAt(MessageImportance.High));
        Assert.Equal(["detail"], _engine.MessagesAt(MessageImportance.Low));
        Assert.Equal(("kv_heads", "64"), (_processor.Data.Single().GetMetadata("Key"), _processor.Data.Single().ItemSpec));
    }
}
