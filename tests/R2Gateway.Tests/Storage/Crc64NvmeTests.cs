using System.IO.Hashing;
using System.Security.Cryptography;
using FluentAssertions;
using R2Gateway.Storage;
using Xunit;

namespace R2Gateway.Tests.Storage;

/// <summary>The whole object's CRC64NVME from its parts' CRCs (multipart complete and r2gw), checked against System.IO.Hashing.</summary>
public sealed class Crc64NvmeTests
{
    private static string Crc64NvmeHex(ReadOnlySpan<byte> data) =>
        Crc64.HashToUInt64(Crc64ParameterSet.Nvme, data).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(0, 5)]
    [InlineData(1, 1)]
    [InlineData(1000, 3)]
    [InlineData(8 * 1024 * 1024, 12345)]
    public void Crc64nvme_of_parts_combines_into_the_crc_of_the_whole(int lengthA, int lengthB)
    {
        var a = RandomNumberGenerator.GetBytes(lengthA);
        var b = RandomNumberGenerator.GetBytes(lengthB);
        var combined = Crc64Nvme.Combine(BigEndian(a), BigEndian(b), b.Length);
        Convert.ToHexStringLower(combined).Should().Be(Crc64NvmeHex([.. a, .. b]));

        static byte[] BigEndian(byte[] data)
        {
            var crc = new byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(crc, Crc64.HashToUInt64(Crc64ParameterSet.Nvme, data));
            return crc;
        }
    }
}
