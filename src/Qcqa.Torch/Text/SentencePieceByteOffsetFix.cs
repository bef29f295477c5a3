using System.Buffers.Binary;
using System.Text;

namespace Qcqa.Torch.Text;

/// <summary>
/// Works around a bug of Microsoft.ML.Tokenizers 2.0.1 in SentencePiece unigram models with byte fallback: it maps
/// byte b to id (last byte piece + b) instead of (first byte piece + b), because it looks the first byte piece
/// <c>&lt;0x00&gt;</c> up among the normal pieces, where byte pieces are not. Re-typing that one piece as an unused
/// piece with the lowest normal score puts it there, so the offset comes out right; decoding still treats every id
/// up to the last byte piece as a byte. The only other effect: the literal text "&lt;0x00&gt;" may encode as the NUL
/// byte. The library keeps its protobuf classes internal, so the edit is made on the serialized model
/// (<c>sentencepiece_model.proto</c>: ModelProto.pieces = 1, ModelProto.trainer_spec = 2, TrainerSpec.model_type = 3,
/// SentencePiece.piece = 1, score = 2, type = 3). BPE models are read correctly and are returned unchanged.
/// </summary>
internal static class SentencePieceByteOffsetFix
{
    private const int Unigram = 1;
    private const int NormalPiece = 1;
    private const int UnusedPiece = 5;
    private const int BytePiece = 6;

    private readonly record struct Field(int Number, int WireType, int Start, int End, int PayloadStart, ulong Value);

    /// <summary>The model's bytes, corrected when it is a unigram model whose byte pieces start with <c>&lt;0x00&gt;</c>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a protobuf message.</exception>
    internal static byte[] Apply(byte[] model)
    {
        var fields = Fields(model, 0, model.Length);
        var trainer = fields.FirstOrDefault(f => f.Number == 2 && f.WireType == 2);
        var modelType = trainer.End == 0 ? Unigram
            : Fields(model, trainer.PayloadStart, trainer.End).Where(f => f.Number == 3 && f.WireType == 0).Select(f => (int)f.Value).DefaultIfEmpty(Unigram).Last();
        if (modelType != Unigram) return model;

        var pieces = fields.Where(f => f.Number == 1 && f.WireType == 2).Select(f => (Field: f, Piece: Piece(model, f))).ToList();
        var firstByte = pieces.FirstOrDefault(p => p.Piece.Type == BytePiece);
        if (firstByte.Piece.Text != "<0x00>") return model;
        var lowest = pieces.Where(p => p.Piece.Type == NormalPiece).Select(p => p.Piece.Score).DefaultIfEmpty(0f).Min();

        var output = new List<byte>(model.Length + 16);
        output.AddRange(model.AsSpan(0, firstByte.Field.Start));
        var payload = new List<byte> { 0x0A };
        var text = Encoding.UTF8.GetBytes(firstByte.Piece.Text);
        WriteVarint(payload, (ulong)text.Length);
        payload.AddRange(text);
        payload.Add(0x15);
        var score = new byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(score, lowest);
        payload.AddRange(score);
        payload.Add(0x18);
        WriteVarint(payload, UnusedPiece);
        output.Add(0x0A);
        WriteVarint(output, (ulong)payload.Count);
        output.AddRange(payload);
        output.AddRange(model.AsSpan(firstByte.Field.End));
        return [.. output];
    }

    private static (string Text, float Score, int Type) Piece(byte[] model, Field field)
    {
        string text = "";
        float score = 0;
        var type = NormalPiece;
        foreach (var f in Fields(model, field.PayloadStart, field.End))
        {
            if (f.Number == 1 && f.WireType == 2) text = Encoding.UTF8.GetString(model, f.PayloadStart, f.End - f.PayloadStart);
            else if (f.Number == 2 && f.WireType == 5) score = BinaryPrimitives.ReadSingleLittleEndian(model.AsSpan(f.PayloadStart, 4));
            else if (f.Number == 3 && f.WireType == 0) type = (int)f.Value;
        }
        return (text, score, type);
    }

    private static List<Field> Fields(byte[] data, int start, int end)
    {
        var fields = new List<Field>();
        var at = start;
        while (at < end)
        {
            var fieldStart = at;
            var tag = ReadVarint(data, ref at, end);
            var wireType = (int)(tag & 7);
            var number = (int)(tag >> 3);
            ulong value = 0;
            var payloadStart = at;
            switch (wireType)
            {
                case 0: value = ReadVarint(data, ref at, end); break;
                case 1: at += 8; break;
                case 2:
                    var length = ReadVarint(data, ref at, end);
                    if (length > (ulong)(end - at)) throw new InvalidDataException("A protobuf field runs past the end of its message.");
                    payloadStart = at;
                    at += (int)length;
                    break;
                case 5: at += 4; break;
                default: throw new InvalidDataException($"Unsupported protobuf wire type {wireType}.");
            }
            if (at > end || number == 0) throw new InvalidDataException("The bytes are not a protobuf message.");
            fields.Add(new Field(number, wireType, fieldStart, at, payloadStart, value));
        }
        return fields;
    }

    private static ulong ReadVarint(byte[] data, ref int at, int end)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (at >= end) throw new InvalidDataException("A protobuf varint runs past the end of its message.");
            var b = data[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw new InvalidDataException("A protobuf varint is longer than 10 bytes.");
    }

    private static void WriteVarint(List<byte> output, ulong value)
    {
        while (value >= 0x80)
        {
            output.Add((byte)(value | 0x80));
            value >>= 7;
        }
        output.Add((byte)value);
    }
}
