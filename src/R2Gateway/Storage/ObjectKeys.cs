using System.Text;

namespace R2Gateway.Storage;

/// <summary>The key rules, in one place: 1 to 1024 bytes of UTF-8, no control characters.</summary>
public static class ObjectKeys
{
    public const int MaxKeyBytes = 1024;

    public static void Validate(string key)
    {
        if (key.Length == 0)
        {
            throw Error.EmptyKey();
        }

        // char.IsControl's two ranges, searched vectorised.
        if (key.AsSpan().ContainsAnyInRange('\u0000', '\u001f') || key.AsSpan().ContainsAnyInRange('\u007f', '\u009f'))
        {
            throw Error.KeyHasControlCharacter();
        }

        var bytes = Encoding.UTF8.GetByteCount(key);
        if (bytes > MaxKeyBytes)
        {
            throw Error.KeyTooLong(bytes, MaxKeyBytes);
        }
    }
}
