using R2Gateway.FunctionalTests.Infrastructure;

namespace R2Gateway.FunctionalTests.Actions;

/// <summary>The same contract suite against the S3 store on a real S3 server (Ceph radosgw over TLS).</summary>
public sealed class S3ContractTests(S3Gateway gateway)
    : ContractTests(gateway), IClassFixture<S3Gateway>;
