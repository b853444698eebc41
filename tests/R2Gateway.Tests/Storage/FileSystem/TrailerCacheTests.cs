using System.Text;
using R2Gateway.Storage.FileSystem;

namespace R2Gateway.Tests.Storage.FileSystem;

/// <summary>The parsed-trailer cache answers only for the very bytes it parsed: a replaced object, even of
/// the same size at the same path, is parsed again.</summary>
public sealed class TrailerCacheTests
{
    private int _parses;

    private string Parse(byte[] json, string path)
    {
        _parses++;
        return Encoding.UTF8.GetString(json);
    }

    [Fact]
    public void The_same_bytes_read_again_are_not_parsed_again()
    {
        var cache = new TrailerCache<string>(16, 4096);

        var first = cache.GetOrParse("objects/a", "{\"etag\":\"1\"}"u8.ToArray(), Parse);
        var second = cache.GetOrParse("objects/a", "{\"etag\":\"1\"}"u8.ToArray(), Parse);

        second.Should().BeSameAs(first);
        _parses.Should().Be(1);
    }

    [Fact]
    public void Other_bytes_at_the_same_path_are_parsed_and_replace_the_entry()
    {
        var cache = new TrailerCache<string>(16, 4096);
        cache.GetOrParse("objects/a", "{\"etag\":\"1\"}"u8.ToArray(), Parse);

        cache.GetOrParse("objects/a", "{\"etag\":\"2\"}"u8.ToArray(), Parse).Should().Be("{\"etag\":\"2\"}");
        cache.GetOrParse("objects/a", "{\"etag\":\"2\"}"u8.ToArray(), Parse).Should().Be("{\"etag\":\"2\"}");
        _parses.Should().Be(2);
    }

    [Fact]
    public void Paths_sharing_a_slot_each_get_their_own_value()
    {
        var cache = new TrailerCache<string>(1, 4096);

        cache.GetOrParse("objects/a", "{\"key\":\"a\"}"u8.ToArray(), Parse).Should().Be("{\"key\":\"a\"}");
        cache.GetOrParse("objects/b", "{\"key\":\"b\"}"u8.ToArray(), Parse).Should().Be("{\"key\":\"b\"}");
        cache.GetOrParse("objects/a", "{\"key\":\"a\"}"u8.ToArray(), Parse).Should().Be("{\"key\":\"a\"}");
        _parses.Should().Be(3);
    }

    [Fact]
    public void A_trailer_over_the_size_cap_is_parsed_every_time()
    {
        var cache = new TrailerCache<string>(16, 8);

        cache.GetOrParse("objects/a", "{\"etag\":\"1\"}"u8.ToArray(), Parse);
        cache.GetOrParse("objects/a", "{\"etag\":\"1\"}"u8.ToArray(), Parse);

        _parses.Should().Be(2);
    }

    [Fact]
    public void The_length_hint_is_the_length_of_the_file_last_read_at_the_path()
    {
        var cache = new TrailerCache<string>(16, 4096);
        cache.LengthHint("objects/a").Should().BeNull();

        cache.GetOrParse("objects/a", "{\"etag\":\"1\"}"u8.ToArray(), Parse, fileLength: 1234);
        cache.LengthHint("objects/a").Should().Be(1234);

        // The same trailer bytes in a file of another length: still a hit, and the hint follows the file.
        cache.GetOrParse("objects/a", "{\"etag\":\"1\"}"u8.ToArray(), Parse, fileLength: 99);
        cache.LengthHint("objects/a").Should().Be(99);
        _parses.Should().Be(1);
    }
}
