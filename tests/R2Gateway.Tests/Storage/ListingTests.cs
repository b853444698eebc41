using R2Gateway.Storage;

namespace R2Gateway.Tests.Storage;

public class ListingTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static List<ObjectInfo> Objects(params string[] keys) =>
        keys.Select(k => new ObjectInfo(k, k.Length, "etag", Now, ObjectMetadata.None)).ToList();

    private static ListRequest Request(string prefix = "", string? delimiter = null, string? cursor = null, int limit = Listing.MaxLimit) =>
        new(prefix, delimiter, cursor, limit);

    [Fact]
    public void Only_keys_starting_with_the_prefix_are_listed()
    {
        var page = Listing.Page(Objects("photos/a", "photo", "photos/b", "docs/photos/c", "Photos/d"), Request("photos/"));

        page.Objects.Select(o => o.Key).Should().Equal("photos/a", "photos/b");
        page.DelimitedPrefixes.Should().BeEmpty();
        page.IsTruncated.Should().BeFalse();
        page.Cursor.Should().BeNull();
    }

    [Fact]
    public void Keys_are_listed_in_ordinal_order()
    {
        var page = Listing.Page(Objects("b", "a", "B", "_", "é", "Z", "a/b", "a0", "10", "9"), Request());

        page.Objects.Select(o => o.Key).Should().Equal("10", "9", "B", "Z", "_", "a", "a/b", "a0", "b", "é");
    }

    [Fact]
    public void A_limit_smaller_than_the_listing_truncates_it_and_returns_a_cursor()
    {
        var page = Listing.Page(Objects("a", "b", "c"), Request(limit: 2));

        page.Objects.Select(o => o.Key).Should().Equal("a", "b");
        page.IsTruncated.Should().BeTrue();
        page.Cursor.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public void A_limit_equal_to_the_listing_is_not_truncated()
    {
        var page = Listing.Page(Objects("a", "b", "c"), Request(limit: 3));

        page.Objects.Should().HaveCount(3);
        page.IsTruncated.Should().BeFalse();
        page.Cursor.Should().BeNull();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void Paging_with_the_cursor_visits_every_key_exactly_once_in_order(int limit)
    {
        var keys = new[] { "k7", "k1", "k3", "k10", "k2", "k5", "k4", "k6", "other" };
        var all = Objects(keys);

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = Listing.Page(all, Request("k", cursor: cursor, limit: limit));
            page.Objects.Count.Should().BeLessThanOrEqualTo(limit);
            page.IsTruncated.Should().Be(page.Cursor is not null);
            seen.AddRange(page.Objects.Select(o => o.Key));
            cursor = page.Cursor;
            pages++;
            pages.Should().BeLessThan(20, "paging must terminate");
        }
        while (cursor is not null);

        seen.Should().Equal(keys.Where(k => k.StartsWith('k')).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_delimiter_rolls_keys_up_into_delimited_prefixes()
    {
        var page = Listing.Page(Objects("a/1", "a/2", "a/b/3", "b", "c/1", "d"), Request(delimiter: "/"));

        page.Objects.Select(o => o.Key).Should().Equal("b", "d");
        page.DelimitedPrefixes.Should().Equal("a/", "c/");
        page.IsTruncated.Should().BeFalse();
    }

    [Fact]
    public void A_delimiter_after_a_prefix_rolls_up_only_the_rest_of_the_key()
    {
        var page = Listing.Page(Objects("p/a/1", "p/a/2", "p/b", "p/c/d/e", "q/x"), Request("p/", "/"));

        page.Objects.Select(o => o.Key).Should().Equal("p/b");
        page.DelimitedPrefixes.Should().Equal("p/a/", "p/c/");
    }

    [Fact]
    public void A_multi_character_delimiter_is_matched_whole()
    {
        var page = Listing.Page(Objects("a--b", "a-b", "c--d--e"), Request(delimiter: "--"));

        page.Objects.Select(o => o.Key).Should().Equal("a-b");
        page.DelimitedPrefixes.Should().Equal("a--", "c--");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Each_delimited_prefix_appears_once_across_pages(int limit)
    {
        var all = Objects("a/1", "a/2", "a/3", "b", "c/1", "c/2", "c/3", "c/4", "d", "e/1");

        var objects = new List<string>();
        var prefixes = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = Listing.Page(all, Request(delimiter: "/", cursor: cursor, limit: limit));
            (page.Objects.Count + page.DelimitedPrefixes.Count).Should().BeLessThanOrEqualTo(limit);
            objects.AddRange(page.Objects.Select(o => o.Key));
            prefixes.AddRange(page.DelimitedPrefixes);
            cursor = page.Cursor;
            pages++;
            pages.Should().BeLessThan(20, "paging must terminate");
        }
        while (cursor is not null);

        objects.Should().Equal("b", "d");
        prefixes.Should().Equal("a/", "c/", "e/");
    }

    [Fact]
    public void An_empty_cursor_starts_from_the_beginning()
    {
        var page = Listing.Page(Objects("a", "b"), Request(cursor: ""));

        page.Objects.Select(o => o.Key).Should().Equal("a", "b");
    }

    [Theory]
    [InlineData("!!!")]
    [InlineData("not a cursor")]
    [InlineData("a")]
    public void A_cursor_this_gateway_did_not_issue_is_InvalidArgument(string cursor)
    {
        var act = () => Listing.Page(Objects("a", "b"), Request(cursor: cursor));

        act.Should().Throw<ContractException>().Which.Code.Should().Be(ErrorCode.InvalidArgument);
    }
}
