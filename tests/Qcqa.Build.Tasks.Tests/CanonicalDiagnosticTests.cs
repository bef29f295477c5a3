using Xunit;
using static Qcqa.Build.EngineContract;

namespace Qcqa.Build.Tasks.Tests;

/// <summary>The canonical diagnostic form of the engine↔task contract: what the task parses, and that what the engine formats parses back.</summary>
public class CanonicalDiagnosticTests
{
    private static CanonicalDiagnostic.Parsed Parse(string text)
    {
        Assert.True(CanonicalDiagnostic.TryParse(text, out var diagnostic), $"'{text}' did not parse.");
        return diagnostic;
    }

    [Fact]
    public void AFileWithLineAndColumnParses()
    {
        var d = Parse("qcqa.yaml(12,5): error QCQA041: Unknown key 'bugdet'; did you mean 'budget'?");
        Assert.Equal(("qcqa.yaml", 12, 5, true, "QCQA041"), (d.File, d.Line, d.Column, d.IsError, d.Code));
        Assert.Equal("Unknown key 'bugdet'; did you mean 'budget'?", d.Message);
        Assert.Null(d.Subcategory);
    }

    [Fact]
    public void AFileWithALineOnlyParses()
    {
        var d = Parse("/specs/qcqa.yaml(7): warning QCQA042: Odd budget.");
        Assert.Equal(("/specs/qcqa.yaml", 7, 0, false, "QCQA042"), (d.File, d.Line, d.Column, d.IsError, d.Code));
    }

    [Fact]
    public void AFileWithoutPositionParses()
    {
        var d = Parse("models/tiny/model.safetensors: error QCQA010: The header is truncated.");
        Assert.Equal(("models/tiny/model.safetensors", 0, 0, "QCQA010"), (d.File, d.Line, d.Column, d.Code));
    }

    [Fact]
    public void TheToolOriginMeansNoFile()
    {
        var d = Parse("qcqa: error QCQA060: libtorch could not be loaded.");
        Assert.Null(d.File);
        Assert.Equal("QCQA060", d.Code);
        Assert.Equal("libtorch could not be loaded.", d.Message);
    }

    [Fact]
    public void AWindowsPathWithADriveLetterKeepsItsColon()
    {
        var d = Parse(@"C:\work\my project\qcqa.yaml(3,9): error QCQA043: The model folder 'models/x' was not found.");
        Assert.Equal((@"C:\work\my project\qcqa.yaml", 3, 9), (d.File, d.Line, d.Column));
    }

    [Fact]
    public void AMessageThatContainsAnotherErrorMarkerIsKeptWhole()
    {
        var d = Parse("qcqa.yaml(1,1): error QCQA040: Not valid YAML: error: unexpected ':' at x(2,3): error QCQA000: no");
        Assert.Equal("qcqa.yaml", d.File);
        Assert.Equal("Not valid YAML: error: unexpected ':' at x(2,3): error QCQA000: no", d.Message);
    }

    [Fact]
    public void ASubcategoryIsRecognised()
    {
        var d = Parse("qcqa.yaml(2,3): spec error QCQA041: Unknown key.");
        Assert.Equal(("spec", "QCQA041"), (d.Subcategory, d.Code));
    }

    [Fact]
    public void ACodeIsOptional()
    {
        var d = Parse("qcqa.yaml(2,3): error : Something.");
        Assert.Null(d.Code);
        Assert.Equal("Something.", d.Message);
    }

    [Theory]
    [InlineData("f(3-5): error X1: m", 3, 0, 5, 0)]
    [InlineData("f(3,4-9): error X1: m", 3, 4, 0, 9)]
    [InlineData("f(3,4,6,1): error X1: m", 3, 4, 6, 1)]
    public void RangesOfLinesAndColumnsParse(string text, int line, int column, int endLine, int endColumn)
    {
        var d = Parse(text);
        Assert.Equal((line, column, endLine, endColumn), (d.Line, d.Column, d.EndLine, d.EndColumn));
    }

    [Fact]
    public void ParenthesesThatAreNotAPositionStayInTheFileName()
    {
        var d = Parse("models/llama (copy): error QCQA013: config.json is missing.");
        Assert.Equal(("models/llama (copy)", 0), (d.File, d.Line));
    }

    [Fact]
    public void CategoriesAreCaseInsensitive()
    {
        Assert.True(Parse("qcqa: ERROR QCQA001: x").IsError);
        Assert.False(Parse("qcqa: Warning QCQA001: x").IsError);
    }

    [Theory]
    [InlineData("Compressing tiny-llama/ac-50")]
    [InlineData("error QCQA001: no origin")]
    [InlineData("qcqa.yaml(1,2) error QCQA001 missing colons")]
    [InlineData("")]
    public void TextThatIsNotCanonicalIsRejected(string text)
    {
        Assert.False(CanonicalDiagnostic.TryParse(text, out _));
    }

    [Fact]
    public void WhatTheEngineFormatsTheTaskParsesBack()
    {
        var line = CanonicalDiagnostic.Format("/a/qcqa.yaml", 12, 5, "warning", "QCQA042", "Two\nlines");
        var d = Parse(line);
        Assert.Equal(("/a/qcqa.yaml", 12, 5, false, "QCQA042", "Two lines"), (d.File, d.Line, d.Column, d.IsError, d.Code, d.Message));
        Assert.Null(Parse(CanonicalDiagnostic.Format(null, 0, 0, "error", "QCQA001", "m")).File);
    }
}
