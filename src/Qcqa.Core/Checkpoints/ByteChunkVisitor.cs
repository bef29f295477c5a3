namespace Qcqa.Core.Checkpoints;

/// <summary>Receives one chunk of a tensor's bytes from <see cref="SafetensorsFile.ReadChunks"/>; the span is valid during the call only.</summary>
public delegate void ByteChunkVisitor(ReadOnlySpan<byte> chunk);
