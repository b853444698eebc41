using R2Gateway.Testing;

namespace R2Gateway.FunctionalTests.Actions;

/// <summary>The same contract suite against the S3 store on a real S3 server (Ceph radosgw over TLS).</summary>
[Trait("Needs", "S3")]
public sealed class S3ContractTests(S3Gateway gateway)
    : ContractTests(gateway), IClassFixture<S3Gateway>
{
    /// <summary>The test server is radosgw 16 (Pacific), which ignores x-amz-checksum-* (checksums came
    /// in Squid): the gateway still verifies every one, but the bucket does not keep them.</summary>
    protected override bool BucketKeepsChecksums => false;
}
