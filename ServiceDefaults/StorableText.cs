using System.Text;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Text the platform's stores can hold. PostgreSQL refuses U+0000 in <c>text</c> and <c>jsonb</c>, and
/// a lone UTF-16 surrogate has no UTF-8 form at all, so such a value would fail only at the database,
/// as a 500. Checking it where input arrives turns it into a 400 that names the field.
/// </summary>
public static class StorableText
{
    public const string Rule = "The text must not contain NUL (U+0000) or unpaired surrogate characters.";

    /// <summary>True when <paramref name="text"/> has neither U+0000 nor an unpaired surrogate.</summary>
    public static bool IsStorable(ReadOnlySpan<char> text)
    {
        if (text.Contains('\0'))
        {
            return false;
        }

        // Most text has no surrogates at all; only then is the pairing walked rune by rune.
        var first = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (first < 0)
        {
            return true;
        }

        var rest = text[first..];
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return false;
            }

            rest = rest[consumed..];
        }

        return true;
    }
}
