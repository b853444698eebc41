using System.Buffers.Binary;

namespace R2Gateway.Storage;

/// <summary>
/// The CRC64NVME of a whole file from the CRCs of its parts, which are computed in parallel: zlib's
/// crc32_combine (multiplication modulo the polynomial in GF(2)) widened to 64 bits. Hand-written
/// because System.IO.Hashing computes CRCs but cannot combine them.
/// </summary>
public static class Crc64Nvme
{
    // CRC-64/NVME is reflected: the polynomial 0xAD93D23594C93659 bit-reversed.
    private static readonly ulong Poly = ReverseBits(0xAD93D23594C93659UL);
    private static readonly ulong[] X2n = BuildPowers();

    /// <summary>The CRC of A followed by B, from crc(A), crc(B) and B's length (big-endian 8-byte values, as S3 sends them).</summary>
    public static byte[] Combine(ReadOnlySpan<byte> crcA, ReadOnlySpan<byte> crcB, long lengthB)
    {
        var a = BinaryPrimitives.ReadUInt64BigEndian(crcA);
        var b = BinaryPrimitives.ReadUInt64BigEndian(crcB);
        var result = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(result, MultModP(PowerOfX(lengthB, 3), a) ^ b);
        return result;
    }

    /// <summary>The whole object's checksum from its parts' CRCs and sizes, in part order.</summary>
    public static ObjectChecksum Of(IReadOnlyList<(byte[] Crc, long Size)> parts)
    {
        var crc = parts[0].Crc;
        for (var i = 1; i < parts.Count; i++)
        {
            crc = Combine(crc, parts[i].Crc, parts[i].Size);
        }

        return ObjectChecksum.Of(ChecksumAlgorithm.Crc64Nvme, crc);
    }

    private static ulong MultModP(ulong a, ulong b)
    {
        var m = 1UL << 63;
        var p = 0UL;
        while (true)
        {
            if ((a & m) != 0)
            {
                p ^= b;
                if ((a & (m - 1)) == 0)
                {
                    return p;
                }
            }

            m >>= 1;
            b = (b & 1) != 0 ? (b >> 1) ^ Poly : b >> 1;
        }
    }

    /// <summary>x^(n·2^k) modulo the polynomial: with k = 3, the shift of n bytes.</summary>
    private static ulong PowerOfX(long n, int k)
    {
        var p = 1UL << 63; // x^0
        while (n != 0)
        {
            if ((n & 1) != 0)
            {
                p = MultModP(X2n[k & 63], p);
            }

            n >>= 1;
            k++;
        }

        return p;
    }

    private static ulong[] BuildPowers()
    {
        var table = new ulong[64];
        var p = 1UL << 62; // x^1
        table[0] = p;
        for (var n = 1; n < 64; n++)
        {
            table[n] = p = MultModP(p, p);
        }

        return table;
    }

    private static ulong ReverseBits(ulong v)
    {
        var r = 0UL;
        for (var i = 0; i < 64; i++, v >>= 1)
        {
            r = (r << 1) | (v & 1);
        }

        return r;
    }
}
