namespace Warden.LoadGen;

/// <summary>The weighted set of calls each virtual user draws from.</summary>
internal sealed class CallMix
{
    private readonly int[] _cumulative;
    private readonly int _total;

    public CallMix(IReadOnlyList<CallSpec> calls)
    {
        if (calls.Count == 0 || calls.Sum(c => c.Weight) <= 0)
        {
            throw new ArgumentException("The call mix needs at least one call with a positive weight, e.g. --mix small=80,large=20.", nameof(calls));
        }

        Calls = calls;
        _cumulative = new int[calls.Count];
        for (var i = 0; i < calls.Count; i++)
        {
            _total += calls[i].Weight;
            _cumulative[i] = _total;
        }
    }

    public IReadOnlyList<CallSpec> Calls { get; }

    /// <summary>Draws the index of the next call; each virtual user passes its own seeded <see cref="Random"/>.</summary>
    public int Pick(Random random)
    {
        var roll = random.Next(_total);
        for (var i = 0; i < _cumulative.Length; i++)
        {
            if (roll < _cumulative[i])
            {
                return i;
            }
        }

        return _cumulative.Length - 1;
    }
}
