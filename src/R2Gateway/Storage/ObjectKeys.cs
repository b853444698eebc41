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
            throw new StoreException(StoreErrorCode.InvalidArgument, "The object key is empty: put the key in the path, e.g. /photos/cat.png?action=get.");
        }

        if (key.Any(char.IsControl))
        {
            throw new StoreException(StoreErrorCode.InvalidArgument, "The object key contains a control character, which keys may not have.");
        }

        var bytes = Encoding.UTF8.GetByteCount(key);
        if (bytes > MaxKeyBytes)
        {
            throw new StoreException(StoreErrorCode.KeyTooLongError, $"The object key is {bytes} bytes of UTF-8; keys may be at most {MaxKeyBytes}.");
        }
    }
}
