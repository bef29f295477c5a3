using System.Runtime.InteropServices;

namespace Qcqa.Tests.Shared;

/// <summary>Whether two paths name one file (a hard link): same device and inode, read with Linux's <c>statx</c>.</summary>
public static class FileIdentity
{
    /// <summary>True or false when it can be told; null when not (not Linux, or a path cannot be read).</summary>
    public static bool? SameFile(string first, string second)
        => Identity(first) is { } a && Identity(second) is { } b ? a == b : null;

    // (device major, device minor, inode) from struct statx (256 bytes: stx_ino at 32, stx_dev_major/minor at 136/140).
    private static (uint, uint, ulong)? Identity(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        const int AtFdCwd = -100;
        const uint StatxIno = 0x100;
        var buffer = new byte[256];
        if (Statx(AtFdCwd, path, 0, StatxIno, buffer) != 0) return null;
        return (BitConverter.ToUInt32(buffer, 136), BitConverter.ToUInt32(buffer, 140), BitConverter.ToUInt64(buffer, 32));
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
