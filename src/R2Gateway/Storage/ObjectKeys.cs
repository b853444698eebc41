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

        if (key.Any(char.IsControl))
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
