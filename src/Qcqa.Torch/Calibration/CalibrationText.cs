using Qcqa.Core.Diagnostics;
using Qcqa.Torch.Text;

namespace Qcqa.Torch.Calibration;

/// <summary>Calibration (and probe) text as the model's tokens: the one place its file is read and checked.</summary>
public static class CalibrationText
{
    /// <summary>Tokens per calibration window.</summary>
    public const int WindowSize = 256;

    /// <summary>The first <paramref name="maxTokens"/> tokens of <paramref name="textPath"/> under the model's tokenizer.</summary>
    /// <exception cref="QcqaException">QCQA050 naming the file when it is missing, not text, or empty; QCQA051 for the model's tokenizer.</exception>
    public static IReadOnlyList<long> Load(string modelFolder, string textPath, long maxTokens)
    {
        if (!File.Exists(textPath))
            throw new QcqaException(ErrorCodes.BadEvaluationInput, "The calibration text file does not exist.", textPath);
        var tokenizer = ModelTokenizer.Load(modelFolder);
        return TokenizedText.Load(tokenizer, textPath, Math.Max(2, maxTokens)).Tokens;
    }
}
