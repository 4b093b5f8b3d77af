namespace Warden.Core.Pipeline;

/// <summary>What policy decided for an action. A denial is a value, never an exception.</summary>
public readonly record struct Decision(DecisionEffect Effect, string Reason, IReadOnlyList<string> RuleIds)
{
    public static Decision AllowAll { get; } = new(DecisionEffect.Allow, "no policy configured", []);

    public bool IsAllowed => Effect == DecisionEffect.Allow;

    public static Decision Deny(string reason, params string[] ruleIds) => new(DecisionEffect.Deny, reason, ruleIds);
}

/// <summary>The effect of a decision.</summary>
public enum DecisionEffect
{
    Allow,
    Deny,
}
