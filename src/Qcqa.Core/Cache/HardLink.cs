using System.Runtime.InteropServices;

namespace Qcqa.Core.Cache;

/// <summary>
/// Hard links (.NET has no <c>File.CreateHardLink</c>): <c>link(2)</c> on Unix, <c>CreateHardLinkW</c> on Windows. A hard
/// link is a second name of the same file: no byte is written, and a change through either name is seen through both.
/// </summary>
public static class HardLink
{
    /// <summary>Creates <paramref name="link"/> as a new name of the existing file <paramref name="existing"/>.</summary>
    /// <param name="existing">An existing file.</param>
    /// <param name="link">The new name; must not exist.</param>
    /// <returns>True when the link was made; false when the file system or the situation does not allow it (another
    /// file system, <c>EXDEV</c>; no hard links, <c>EPERM</c>/<c>ENOTSUP</c>; too many links, <c>EMLINK</c>; the name exists;
    /// any other error), so the caller copies instead.</returns>
    public static bool TryCreate(string existing, string link)
    {
        Preconditions.CheckNotNull(existing);
        Preconditions.CheckNotNull(link);
        try
        {
            return OperatingSystem.IsWindows() ? CreateHardLinkW(link, existing, IntPtr.Zero) : Link(existing, link) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // a platform without the call: copy
        }
    }

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string link);

    [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static extern bool CreateHardLinkW(string link, string existing, IntPtr securityAttributes);
}
