using System.Security.Cryptography;
using System.Text;
using R2Gateway.Storage;
using R2Gateway.Storage.FileSystem;

namespace R2Gateway.Tests.Storage;

public class ChecksumsTests
{
    private static readonly byte[] Check = "123456789"u8.ToArray();

    // The CRC catalogue's check values (the CRC of "123456789"), big-endian as S3 sends them.
    [Theory]
    [InlineData(ChecksumAlgorithm.Crc32, "CBF43926")]
    [InlineData(ChecksumAlgorithm.Crc32C, "E3069283")]
    [InlineData(ChecksumAlgorithm.Crc64Nvme, "AE8B14860A799888")]
    public void Crc_of_the_check_string_is_the_catalogue_value(ChecksumAlgorithm algorithm, string hex) =>
        Convert.ToHexString(Checksums.Hash(algorithm, Check)).Should().Be(hex);

    [Fact]
    public void Sha256_is_the_standard_one_in_base64() =>
        ObjectChecksum.Of(ChecksumAlgorithm.Sha256, Checksums.Hash(ChecksumAlgorithm.Sha256, "hello world"u8))
            .Value.Should().Be("uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=");

    [Fact]
    public void Sha1_is_the_standard_one() =>
        Convert.ToHexStringLower(Checksums.Hash(ChecksumAlgorithm.Sha1, Check)).Should().Be("f7c3bc1d808e04732adf679965ccc34ca7ae3441");

    [Fact]
    public void Hasher_fed_in_pieces_equals_one_shot()
    {
        using var hasher = Checksums.CreateHasher(ChecksumAlgorithm.Crc64Nvme);
        hasher.Append(Check.AsSpan(0, 4));
        hasher.Append(Check.AsSpan(4));
        hasher.GetHash().Should().Equal(Checksums.Hash(ChecksumAlgorithm.Crc64Nvme, Check));
    }

    [Fact]
    public void Composite_is_the_hash_of_the_part_hashes_dash_count()
    {
        var p1 = SHA256.HashData("part one"u8);
        var p2 = SHA256.HashData("part two"u8);
        var composite = Checksums.Composite(ChecksumAlgorithm.Sha256, [ObjectChecksum.Of(ChecksumAlgorithm.Sha256, p1), ObjectChecksum.Of(ChecksumAlgorithm.Sha256, p2)]);
        composite.Value.Should().Be($"{Convert.ToBase64String(SHA256.HashData([.. p1, .. p2]))}-2");
        composite.Hex.Should().Be($"{Convert.ToHexStringLower(SHA256.HashData([.. p1, .. p2]))}-2");
    }

    [Fact]
    public void Crc64nvme_has_no_composite() =>
        FluentActions.Invoking(() => Checksums.Composite(ChecksumAlgorithm.Crc64Nvme, [])).Should().Throw<ArgumentException>();

    [Theory]
    [InlineData("sha256", ChecksumAlgorithm.Sha256)]
    [InlineData("CRC32C", ChecksumAlgorithm.Crc32C)]
    [InlineData("crc64nvme", ChecksumAlgorithm.Crc64Nvme)]
    public void Algorithm_names_parse_in_any_case(string name, ChecksumAlgorithm expected)
    {
        Checksums.TryParse(name, out var algorithm).Should().BeTrue();
        algorithm.Should().Be(expected);
    }

    [Fact]
    public void A_value_of_the_wrong_size_does_not_decode() =>
        Checksums.TryDecode(ChecksumAlgorithm.Sha256, Convert.ToBase64String(new byte[20])).Should().BeNull();

    [Fact]
    public void A_wrong_checksum_is_BadDigest()
    {
        var right = ObjectChecksum.Of(ChecksumAlgorithm.Crc32C, Checksums.Hash(ChecksumAlgorithm.Crc32C, Check));
        var wrong = ObjectChecksum.Of(ChecksumAlgorithm.Crc32C, Checksums.Hash(ChecksumAlgorithm.Crc32C, "other"u8));
        FluentActions.Invoking(() => ChecksumRules.Check(wrong, right)).Should().Throw<ContractException>().Which.Code.Should().Be(ErrorCode.BadDigest);
        FluentActions.Invoking(() => ChecksumRules.Check(right, right)).Should().NotThrow();
    }

    [Theory]
    [InlineData(ChecksumAlgorithm.Sha256)]
    [InlineData(ChecksumAlgorithm.Crc32C)]
    public async Task CopyHashingAsync_computes_the_checksum_beside_the_md5(ChecksumAlgorithm algorithm)
    {
        var data = RandomNumberGenerator.GetBytes(1_000_000); // several buffers
        using var destination = new MemoryStream();
        var (length, md5, checksum) = await BlobFile.CopyHashingAsync(new MemoryStream(data), destination, data.Length, algorithm, CancellationToken.None);
        length.Should().Be(data.Length);
        md5.Should().Equal(MD5.HashData(data));
        checksum.Should().Equal(Checksums.Hash(algorithm, data));
        destination.ToArray().Should().Equal(data);
    }
}

public class Rfc2047Tests
{
    [Theory]
    [InlineData("=?UTF-8?B?w6lsw6h2ZQ==?=", "élève")]
    [InlineData("=?utf-8?q?caf=C3=A9_cr=C3=A8me?=", "café crème")]
    [InlineData("=?UTF-8?B?w6k=?= =?UTF-8?B?w6k=?=", "éé")]
    [InlineData("=?ISO-8859-1?Q?Andr=E9?=", "André")]
    [InlineData("plain ascii", "plain ascii")]
    [InlineData("=?bogus-charset?B?w6k=?=", "=?bogus-charset?B?w6k=?=")]
    public void Decodes_encoded_words(string raw, string expected) => Rfc2047.Decode(raw).Should().Be(expected);

    [Fact]
    public void Non_ascii_round_trips_through_one_encoded_word()
    {
        var encoded = Rfc2047.Encode("日本語 ✓");
        encoded.Should().StartWith("=?UTF-8?B?").And.EndWith("?=");
        encoded.All(c => c is >= ' ' and <= '~').Should().BeTrue();
        Rfc2047.Decode(encoded).Should().Be("日本語 ✓");
    }

    [Fact]
    public void Ascii_is_left_alone() => Rfc2047.Encode("hello").Should().Be("hello");
}

public class ObjectMetadataRulesTests
{
    [Fact]
    public void Custom_and_http_metadata_count_toward_one_limit()
    {
        var custom = new Dictionary<string, string> { ["a"] = new string('x', 8000) };
        var ok = new ObjectMetadata(ContentType: new string('t', 8192 - 8001), Custom: custom);
        ObjectMetadataRules.Size(ok).Should().Be(8192);
        FluentActions.Invoking(() => ObjectMetadataRules.Check(ok)).Should().NotThrow();
        FluentActions.Invoking(() => ObjectMetadataRules.Check(ok with { ContentType = ok.ContentType + "t" }))
            .Should().Throw<ContractException>().Which.Code.Should().Be(ErrorCode.MetadataTooLarge);
    }

    [Fact]
    public void Size_counts_utf8_bytes() =>
        ObjectMetadataRules.Size(new ObjectMetadata(Custom: new Dictionary<string, string> { ["n"] = "é" })).Should().Be(3);
}
