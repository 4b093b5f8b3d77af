using System.Text.Json.Nodes;
using Warden.Core.Audit;
using Warden.Core.Audit.Privacy;
using Warden.Core.Audit.Retention;
using Warden.Core.Configuration;

namespace Warden.Tests.Storage;

/// <summary>
/// What every <see cref="IAuditStore"/> must do, whatever it stores in. A provider's test class derives from this
/// and says how to open its store on one fresh location per test; reopening opens the same location again.
/// </summary>
public abstract class AuditStoreContract : IDisposable
{
    protected const string Origin = "warden.contract/audit";

    private readonly NoteSigner _signer = NoteSigner.Generate(Origin);

    /// <summary>Opens (or reopens) the store on this test's location; with <see cref="AuditStoreSettings.Sealed"/> it seals personal fields.</summary>
    protected abstract Task<IAuditStore> OpenAsync(AuditStoreSettings settings);

    /// <summary>Opens the lifecycle (forget, holds, prune) of this test's location, beside an open store.</summary>
    protected abstract Task<IAuditLifecycle> OpenLifecycleAsync(AuditStoreSettings settings);

    /// <summary>Opens records sealed by this test's store (their subjects' keys as the store made them).</summary>
    protected abstract AuditRecordSealer Opener();

    protected AuditStoreSettings Settings(AuditDurability durability = AuditDurability.Sync, int checkpointEvery = 1000, bool sealedFields = false) =>
        new(durability, checkpointEvery, Origin, () => _signer, sealedFields);

    private static readonly AuditUserIdentity Operator = new() { Subject = "ops", AuthMethod = "local" };

    private static RetentionPolicy KeepFor(int days) => new(
        new RetentionConfig { Default = TimeSpan.FromDays(days) },
        new Dictionary<string, ServerConfig>(StringComparer.Ordinal));

    [Fact]
    public async Task Prune_PastRetention_LeavesTombstonesThatVerify_AndTheStoreChainsOntoThePruneRecord()
    {
        await using var store = await OpenAsync(Settings(checkpointEvery: 4));
        var old = DateTimeOffset.UtcNow.AddDays(-60);
        for (var i = 1; i <= 6; i++)
        {
            await AppendAsync(store, Record(i) with { Timestamp = i <= 4 ? old : DateTimeOffset.UtcNow });
        }

        var lifecycle = await OpenLifecycleAsync(Settings());
        var dry = await lifecycle.PruneAsync(KeepFor(30), dryRun: true, Operator, CancellationToken.None);
        Assert.Equal("1-4", dry.Pruned.ToString());
        Assert.DoesNotContain(await ReadAllAsync(store), r => r.Pruned is not null);

        var result = await lifecycle.PruneAsync(KeepFor(30), dryRun: false, Operator, CancellationToken.None);

        Assert.Equal("1-4", result.Pruned.ToString());
        Assert.Equal([7L], result.RecordSeqs);
        // The store was not told: it finds the prune record at the end of the log and chains onto it.
        var next = await AppendAsync(store, Record(8) with { Timestamp = DateTimeOffset.UtcNow });
        Assert.Equal(8, next.Seq);
        var records = await ReadAllAsync(store);
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), records.Select(r => r.Seq));
        Assert.All(records.Take(4), r => Assert.NotNull(r.Pruned));
        Assert.Equal(AuditLifecycle.Prune, records[6].Input.Method);
        Assert.Equal(records[6].Hash, next.PrevHash);
        Assert.DoesNotContain((await store.QueryAsync(new AuditQuery(), CancellationToken.None)).Records, r => r.Pruned is not null);
        await AssertVerifiesAsync(store, 8, pruned: 4);
        Assert.Empty((await lifecycle.PruneAsync(KeepFor(30), dryRun: false, Operator, CancellationToken.None)).RecordSeqs);
    }

    [Fact]
    public async Task Prune_HeldServer_KeepsItsRecordsUntilTheHoldIsReleased()
    {
        await using var store = await OpenAsync(Settings());
        var old = DateTimeOffset.UtcNow.AddDays(-60);
        for (var i = 1; i <= 4; i++)
        {
            await AppendAsync(store, Record(i) with { Timestamp = old, Input = new AuditInput { Method = "tools/call", Server = i % 2 == 0 ? "ehr-main" : "web" } });
        }

        var lifecycle = await OpenLifecycleAsync(Settings());
        var hold = await lifecycle.AddHoldAsync(AuditHoldKind.Server, "ehr-*", "matter 7", Operator, CancellationToken.None);

        var first = await lifecycle.PruneAsync(KeepFor(30), dryRun: false, Operator, CancellationToken.None);
        Assert.Equal("1,3", first.Pruned.ToString());
        Assert.Equal(2, first.Held);

        Assert.NotNull(await lifecycle.ReleaseHoldAsync(hold.Id, "settled", Operator, CancellationToken.None));
        Assert.Null(await lifecycle.ReleaseHoldAsync(hold.Id, "again", Operator, CancellationToken.None));
        var second = await lifecycle.PruneAsync(KeepFor(30), dryRun: false, Operator, CancellationToken.None);
        Assert.Equal("2,4", second.Pruned.ToString());

        // Holds, releases and prunes are records themselves, never pruned.
        var records = await ReadAllAsync(store);
        Assert.Equal([AuditLifecycle.HoldAdd, AuditLifecycle.Prune, AuditLifecycle.HoldRelease, AuditLifecycle.Prune], records.Skip(4).Select(r => r.Input.Method));
        await AssertVerifiesAsync(store, 8, pruned: 4);
    }

    [Fact]
    public async Task Forget_DestroysTheSubjectsKey_RecordsStayAndVerify_OtherSubjectsStillOpen()
    {
        await using var store = await OpenAsync(Settings(sealedFields: true));
        var placed = new List<AuditRecord>();
        for (var i = 1; i <= 4; i++)
        {
            placed.Add(await AppendAsync(store, Record(i) with { User = new AuditUserIdentity { Subject = i % 2 == 0 ? "alice" : "bob", DisplayName = "Name " + i, AuthMethod = "oidc" } }));
        }

        Assert.All(placed, r => Assert.StartsWith("psn-", r.User.Subject));
        Assert.Equal("alice", (await Opener().OpenAsync(placed[1], CancellationToken.None)).User.Subject);
        var lifecycle = await OpenLifecycleAsync(Settings(sealedFields: true));

        var forgotten = await lifecycle.ForgetAsync("alice", "request 1", Operator, CancellationToken.None);

        Assert.Equal(ForgetStatus.Erased, forgotten.Status);
        Assert.Equal(placed[1].User.Subject, forgotten.Pseudonym);
        Assert.Equal(ForgetStatus.NoKey, (await lifecycle.ForgetAsync("alice", null, Operator, CancellationToken.None)).Status);
        var records = await ReadAllAsync(store);
        Assert.Equal(placed.Select(r => r.Hash), records.Take(4).Select(r => r.Hash));
        var opened = new List<AuditRecord>();
        foreach (var record in records.Take(4))
        {
            opened.Add(await Opener().OpenAsync(record, CancellationToken.None));
        }

        Assert.Equal(["bob", AuditRecordSealer.Erased, "bob", AuditRecordSealer.Erased], opened.Select(r => r.User.Subject));
        Assert.Equal(AuditRecordSealer.Erased, opened[1].User.DisplayName);
        Assert.Equal("Name 3", opened[2].User.DisplayName);
        await AssertVerifiesAsync(store, 5);
    }

    [Fact]
    public async Task Append_InOrder_AssignsSeqOneToNChainedByPrevHash()
    {
        await using var store = await OpenAsync(Settings());
        var placed = new List<AuditRecord>();
        for (var i = 1; i <= 10; i++)
        {
            placed.Add(await AppendAsync(store, Record(i)));
        }

        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), placed.Select(r => r.Seq));
        Assert.Equal(AuditRecord.GenesisPrevHash, placed[0].PrevHash);
        for (var i = 1; i < placed.Count; i++)
        {
            Assert.Equal(placed[i - 1].Hash, placed[i].PrevHash);
        }

        Assert.All(placed, r => Assert.Equal(AuditRecordEncoder.ComputeHash(r), r.Hash));
        var stored = await ReadAllAsync(store);
        Assert.Equal(placed.Select(r => r.Hash), stored.Select(r => r.Hash));
        Assert.Equal(10, await store.CountAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Append_FromManyConcurrentTasks_EveryRecordLandsExactlyOnceWithoutGaps()
    {
        const int Tasks = 32, PerTask = 25;
        await using var store = await OpenAsync(Settings(checkpointEvery: 100));
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var appenders = Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
        {
            await start.Task;
            var mine = new List<AuditRecord>();
            for (var i = 0; i < PerTask; i++)
            {
                mine.Add(await AppendAsync(store, Record(t * 1000 + i)));
            }

            return mine;
        })).ToList();
        start.SetResult();
        var placed = (await Task.WhenAll(appenders)).SelectMany(r => r).ToList();

        var stored = await ReadAllAsync(store);
        Assert.Equal(Enumerable.Range(1, Tasks * PerTask).Select(i => (long)i), stored.Select(r => r.Seq));
        Assert.Equal(placed.Select(r => r.Id).Order(), stored.Select(r => r.Id).Order());
        Assert.Equal(stored.Count, stored.Select(r => r.Id).Distinct().Count());
        // Each appender got back the record exactly as it sits in the log.
        var bySeq = stored.ToDictionary(r => r.Seq);
        Assert.All(placed, r => Assert.Equal(bySeq[r.Seq].Hash, r.Hash));
        await AssertVerifiesAsync(store, Tasks * PerTask);
    }

    [Fact]
    public async Task Reopen_ResumesSeqHashAndTree()
    {
        AuditRecord last;
        await using (var store = await OpenAsync(Settings(checkpointEvery: 4)))
        {
            for (var i = 1; i < 7; i++)
            {
                await AppendAsync(store, Record(i));
            }

            last = await AppendAsync(store, Record(7));
        }

        await using (var store = await OpenAsync(Settings(checkpointEvery: 4)))
        {
            var next = await AppendAsync(store, Record(8) with { Timestamp = DateTimeOffset.UtcNow });
            Assert.Equal(8, next.Seq);
            Assert.Equal(last.Hash, next.PrevHash);
            for (var i = 9; i <= 12; i++)
            {
                await AppendAsync(store, Record(i));
            }
        }

        // The tree continued too: checkpoints signed after the reopen still match the records from seq 1.
        await using var reopened = await OpenAsync(Settings());
        var checkpoints = await reopened.CheckpointsAsync(CancellationToken.None);
        Assert.Contains(checkpoints, c => Open(c).TreeSize > 7);
        await AssertVerifiesAsync(reopened, 12);
    }

    [Fact]
    public async Task Find_ById_ReturnsThatRecord_OrNullForAnUnknownId()
    {
        await using var store = await OpenAsync(Settings());
        var placed = new List<AuditRecord>();
        for (var i = 1; i <= 5; i++)
        {
            placed.Add(await AppendAsync(store, Record(i)));
        }

        var found = await store.FindAsync(placed[2].Id, CancellationToken.None);
        Assert.NotNull(found);
        Assert.Equal(3, found.Seq);
        Assert.Equal(placed[2].Hash, found.Hash);
        Assert.Null(await store.FindAsync("no-such-id", CancellationToken.None));
    }

    [Fact]
    public async Task Checkpoints_EveryNRecordsAndAtShutdown_VerifyAgainstTheRecordsAndTheLeafSource()
    {
        await using (var store = await OpenAsync(Settings(checkpointEvery: 4)))
        {
            for (var i = 1; i <= 10; i++)
            {
                await AppendAsync(store, Record(i));
            }
        }

        await using var reopened = await OpenAsync(Settings());
        var checkpoints = (await reopened.CheckpointsAsync(CancellationToken.None)).Select(Open).ToList();
        Assert.Equal([4L, 8L, 10L], checkpoints.Select(c => c.TreeSize));
        Assert.All(checkpoints, c => Assert.Equal(Origin, c.Origin));
        await AssertVerifiesAsync(reopened, 10);
        // The store's leaf source builds the same roots, and proofs from it verify.
        var prover = new MerkleProver(reopened.LeafHashes);
        foreach (var checkpoint in checkpoints)
        {
            Assert.Equal(checkpoint.RootHash, await prover.RootAsync(checkpoint.TreeSize, CancellationToken.None));
        }

        var third = (await ReadAllAsync(reopened))[2];
        var proof = await prover.InclusionProofAsync(2, 10, CancellationToken.None);
        Assert.True(MerkleProof.VerifyInclusion(2, 10, MerkleHash.Leaf(AuditRecordEncoder.Canonicalize(third)), proof, checkpoints[^1].RootHash));
        var consistency = await prover.ConsistencyProofAsync(4, 10, CancellationToken.None);
        Assert.True(MerkleProof.VerifyConsistency(4, 10, checkpoints[0].RootHash, checkpoints[^1].RootHash, consistency));
    }

    [Fact]
    public async Task Append_SyncDurability_RecordIsInTheLogWhenAppendReturns()
    {
        await using var store = await OpenAsync(Settings(AuditDurability.Sync));
        for (var i = 1; i <= 5; i++)
        {
            var placed = await AppendAsync(store, Record(i));
            Assert.Equal(i, placed.Seq);
            // Committed before the caller was answered: readable at once, and by seq and hash.
            Assert.Equal(i, await store.CountAsync(CancellationToken.None));
            Assert.Equal(placed.Hash, (await store.FindAsync(placed.Id, CancellationToken.None))?.Hash);
        }
    }

    [Fact]
    public async Task Append_BatchedDurability_EveryQueuedRecordIsInTheLogAfterShutdown()
    {
        var ids = new List<string>();
        await using (var store = await OpenAsync(Settings(AuditDurability.Batched)))
        {
            for (var i = 1; i <= 50; i++)
            {
                var record = Record(i);
                var result = await store.AppendAsync(record, CancellationToken.None);
                Assert.True(result.Succeeded, result.Error);
                ids.Add(record.Id);
            }
        }

        await using var reopened = await OpenAsync(Settings());
        var stored = await ReadAllAsync(reopened);
        Assert.Equal(ids, stored.Select(r => r.Id));
        await AssertVerifiesAsync(reopened, 50);
    }

    [Fact]
    public async Task Append_ThenReadBack_ReEncodesToTheSameBytes()
    {
        await using var store = await OpenAsync(Settings());
        var full = Record(1) with
        {
            RequestId = "req-1",
            TraceId = "4bf92f3577b34da6a3ce929d0e0e4736",
            DurationMicros = 1501,
            Input = new AuditInput
            {
                Method = "tools/call",
                Name = "db__query",
                Server = "db",
                Prompt = "naïve “quotes” \u2028 and \t tabs, emoji 🛡️",
                Arguments = new JsonObject { ["sql"] = "SELECT 1", ["n"] = 2.5, ["big"] = 1e21, ["neg"] = -0.000001, ["nested"] = new JsonArray(true, null, "x") },
            },
            Output = new AuditOutput { Content = "ok\u0000\u001f", Truncated = true, ContentSha256 = new string('a', 64), Error = "e", ExitCode = 3, Diff = "--- a\n+++ b" },
            DataAccessed = [new AuditResource { Kind = AuditResourceKind.SqlTable, Value = "public.customers", Rows = 7, Attributes = new Dictionary<string, string> { ["access"] = "read" } }],
            Model = new AuditModelIdentity { Model = "m", ModelVersion = "1", Agent = "a", AgentVersion = "2" },
            Redactions = new Dictionary<string, int> { ["jwt"] = 1, ["secret-field"] = 3 },
        };

        var placed = await AppendAsync(store, full);
        var read = await store.FindAsync(placed.Id, CancellationToken.None);

        Assert.NotNull(read);
        Assert.Equal(AuditRecordEncoder.Encode(placed), AuditRecordEncoder.Encode(read));
        Assert.Equal(read.Hash, AuditRecordEncoder.ComputeHash(read));
        Assert.Null(store.Unavailable);
    }

    [Fact]
    public async Task Feed_Subscriber_GetsEachCommittedRecordInSeqOrderAsPlaced()
    {
        await using var store = await OpenAsync(Settings());
        await AppendAsync(store, Record(1));
        using var subscription = store.Feed.Subscribe();

        var placed = new List<AuditRecord>();
        for (var i = 2; i <= 6; i++)
        {
            placed.Add(await AppendAsync(store, Record(i)));
        }

        // Only records committed after subscribing, each exactly as the log holds it.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        foreach (var expected in placed)
        {
            var item = await subscription.ReadAsync(timeout.Token);
            Assert.False(item.IsGap);
            Assert.Equal(AuditRecordEncoder.Encode(expected), AuditRecordEncoder.Encode(item.Record!));
        }
    }

    [Fact]
    public async Task Feed_SubscriberThatNeverReads_LosesRecordsAsOneGapAndNeverHoldsTheWriterUp()
    {
        await using var store = await OpenAsync(Settings(AuditDurability.Sync));
        using var slow = store.Feed.Subscribe(capacity: 4);
        using var keeping = store.Feed.Subscribe(capacity: 64);

        // Sync appends return only after their commit, so twenty returning proves the full buffer did not block it.
        for (var i = 1; i <= 20; i++)
        {
            await AppendAsync(store, Record(i));
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var items = new List<AuditFeedItem>();
        for (var i = 0; i < 4; i++)
        {
            items.Add(await slow.ReadAsync(timeout.Token));
        }

        Assert.Equal([1L, 2L, 3L], items.Take(3).Select(item => item.Record!.Seq));
        Assert.True(items[3].IsGap);
        Assert.Equal((4L, 20L, 17L), (items[3].MissedFrom, items[3].MissedTo, items[3].Missed));

        // Once it reads again it gets new records; the other subscriber lost nothing.
        await AppendAsync(store, Record(21));
        Assert.Equal(21, (await slow.ReadAsync(timeout.Token)).Record!.Seq);
        for (var seq = 1L; seq <= 21; seq++)
        {
            Assert.Equal(seq, (await keeping.ReadAsync(timeout.Token)).Record!.Seq);
        }
    }

    [Fact]
    public async Task Query_RightAfterAppendsAndAfterReopen_FindsEveryMatchingRecordNewestFirst()
    {
        // Whatever a store indexes, and whenever, a record is found by a query as soon as its append returned.
        var customers = new AuditResource { Kind = AuditResourceKind.SqlTable, Value = "public.customers" };
        var placed = new List<AuditRecord>();
        await using (var store = await OpenAsync(Settings()))
        {
            for (var i = 1; i <= 60; i++)
            {
                placed.Add(await AppendAsync(store, Record(i) with { DataAccessed = i % 4 == 0 ? [customers] : [] }));
                if (i is 1 or 30 or 60)
                {
                    Assert.Equal(placed.Where(r => r.DataAccessed.Count > 0).Select(r => r.Seq).Reverse(), await SeqsAsync(store, new AuditQuery { Resource = "table:*customers" }));
                    Assert.Equal(placed.Where(r => r.User.Subject == "user-3").Select(r => r.Seq).Reverse(), await SeqsAsync(store, new AuditQuery { User = "user-3" }));
                }
            }
        }

        await using var reopened = await OpenAsync(Settings());
        Assert.Equal(Enumerable.Range(1, 60).Reverse().Select(i => (long)i), await SeqsAsync(reopened, new AuditQuery { Limit = 7 }));
        Assert.Equal(15, (await SeqsAsync(reopened, new AuditQuery { Resource = "table:public.customers", User = null, Limit = 4 })).Count);
        Assert.Empty(await SeqsAsync(reopened, new AuditQuery { Resource = "file:**" }));
    }

    [Fact]
    public async Task Query_UserFilter_FindsTheirOwnActionsAndThoseOfServiceAccountsActingForThem()
    {
        // "What did alice do?" includes what the ci-bot key did on her behalf: indexed or not yet, and after reopening.
        var placed = new List<AuditRecord>();
        await using (var store = await OpenAsync(Settings()))
        {
            for (var i = 1; i <= 12; i++)
            {
                var user = (i % 3) switch
                {
                    0 => new AuditUserIdentity { Subject = "alice", AuthMethod = "oidc" },
                    1 => new AuditUserIdentity { Subject = "ci-bot", AuthMethod = "service_account", OnBehalfOf = "alice" },
                    _ => new AuditUserIdentity { Subject = "ci-bot", AuthMethod = "service_account", OnBehalfOf = "bob" },
                };
                placed.Add(await AppendAsync(store, Record(i) with { User = user }));
            }

            Assert.Equal(placed.Where(r => r.Seq % 3 != 2).Select(r => r.Seq).Reverse(), await SeqsAsync(store, new AuditQuery { User = "alice" }));
        }

        await using var reopened = await OpenAsync(Settings());
        Assert.Equal(placed.Where(r => r.Seq % 3 != 2).Select(r => r.Seq).Reverse(), await SeqsAsync(reopened, new AuditQuery { User = "alice", Limit = 3 }));
        Assert.Equal(placed.Where(r => r.Seq % 3 == 2).Select(r => r.Seq).Reverse(), await SeqsAsync(reopened, new AuditQuery { User = "bob" }));
        Assert.Equal(8, (await SeqsAsync(reopened, new AuditQuery { User = "ci-bot" })).Count);
    }

    // Every page of a query, followed through its cursor.
    private static async Task<List<long>> SeqsAsync(IAuditStore store, AuditQuery query)
    {
        var seqs = new List<long>();
        long? cursor = null;
        do
        {
            var page = await store.QueryAsync(query with { Before = cursor }, CancellationToken.None);
            Assert.True(page.Records.Count <= query.Limit);
            seqs.AddRange(page.Records.Select(r => r.Seq));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return seqs;
    }

    public virtual void Dispose()
    {
        _signer.Dispose();
        GC.SuppressFinalize(this);
    }

    protected static AuditRecord Record(int n) => new()
    {
        Id = Guid.CreateVersion7().ToString(),
        Timestamp = new DateTimeOffset(2025, 11, 24, 9, 30, 0, TimeSpan.Zero).AddMilliseconds(n),
        Source = AuditSource.Mcp,
        Input = new AuditInput { Method = "tools/call", Name = "echo", Arguments = new JsonObject { ["n"] = n } },
        User = new AuditUserIdentity { Subject = $"user-{n % 7}", Roles = ["developer"], AuthMethod = "api_key" },
        Decision = new AuditDecision { Effect = AuditEffect.Allow },
    };

    private static async Task<AuditRecord> AppendAsync(IAuditStore store, AuditRecord record)
    {
        var result = await store.AppendAsync(record, CancellationToken.None);
        Assert.True(result.Succeeded, result.Error);
        return result.Record!;
    }

    private static async Task<List<AuditRecord>> ReadAllAsync(IAuditStore store)
    {
        var records = new List<AuditRecord>();
        await foreach (var record in store.ReadAsync(1, CancellationToken.None))
        {
            records.Add(record);
        }

        return records;
    }

    private async Task AssertVerifiesAsync(IAuditStore store, long expectedRecords, long pruned = 0)
    {
        var result = await new AuditVerifier([_signer.Verifier], Origin)
            .VerifyAsync(store.ReadAsync(1, CancellationToken.None), await store.CheckpointsAsync(CancellationToken.None), CancellationToken.None);
        Assert.True(result.IsIntact, result.Problem);
        Assert.Equal(expectedRecords, result.RecordsVerified);
        Assert.Equal(pruned, result.RecordsPruned);
    }

    private Checkpoint Open(string note) =>
        Checkpoint.Open(note, [_signer.Verifier], Origin) is { IsVerified: true, Checkpoint: { } checkpoint }
            ? checkpoint
            : throw new Xunit.Sdk.XunitException($"checkpoint does not verify:\n{note}");
}

/// <summary>How a contract test wants its store: durability, checkpoint cadence, the signing key, and whether personal fields are sealed.</summary>
public sealed record AuditStoreSettings(AuditDurability Durability, int CheckpointEvery, string Origin, Func<NoteSigner> Signer, bool Sealed = false);
