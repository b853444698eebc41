using System.Text;
using System.Text.RegularExpressions;

namespace R2Gateway.Storage;

/// <summary>
/// RFC 2047 encoded words, the way S3 and R2 carry non-ASCII metadata values in headers: decoded when
/// stored, encoded (<c>=?UTF-8?B?…?=</c>) when sent. Hand-written because the BCL has no public
/// decoder and MimeKit is a whole MIME stack for these few lines.
/// </summary>
public static partial class Rfc2047
{
    public static string Decode(string value)
    {
        if (!value.Contains("=?", StringComparison.Ordinal))
        {
            return value;
        }

        // Whitespace between two adjacent encoded words is not part of the text (RFC 2047 §6.2).
        var joined = BetweenWords().Replace(value, "?==?");
        return EncodedWord().Replace(joined, m => DecodeWord(m) ?? m.Value);
    }

    /// <summary>Printable ASCII stays as it is; anything else becomes one UTF-8 B encoded word.</summary>
    public static string Encode(string value) =>
        NeedsEncoding(value) ? $"=?UTF-8?B?{Convert.ToBase64String(Encoding.UTF8.GetBytes(value))}?=" : value;

    public static bool NeedsEncoding(string value)
    {
        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                return true;
            }
        }

        return value.StartsWith("=?", StringComparison.Ordinal) && value.EndsWith("?=", StringComparison.Ordinal);
    }

    private static string? DecodeWord(Match word)
    {
        Encoding encoding;
        try
        {
            encoding = Encoding.GetEncoding(word.Groups["charset"].Value);
        }
        catch (ArgumentException)
        {
            return null; // an unknown charset: keep the text as it came
        }

        var text = word.Groups["text"].Value;
        byte[] bytes;
        if (word.Groups["enc"].Value is "B" or "b")
        {
            try
            {
                bytes = Convert.FromBase64String(text);
            }
            catch (FormatException)
            {
                return null;
            }
        }
        else
        {
            var buffer = new List<byte>(text.Length);
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] == '_')
                {
                    buffer.Add((byte)' ');
                }
                else if (text[i] == '=' && i + 2 < text.Length && byte.TryParse(text.AsSpan(i + 1, 2), System.Globalization.NumberStyles.HexNumber, null, out var b))
                {
                    buffer.Add(b);
                    i += 2;
                }
                else
                {
                    buffer.Add((byte)text[i]);
                }
            }

            bytes = [.. buffer];
        }

        return encoding.GetString(bytes);
    }

    [GeneratedRegex(@"=\?(?<charset>[^?*\s]+)(\*[^?]*)?\?(?<enc>[BbQq])\?(?<text>[^?\s]*)\?=")]
    private static partial Regex EncodedWord();

    [GeneratedRegex(@"\?=\s+=\?")]
    private static partial Regex BetweenWords();
}
