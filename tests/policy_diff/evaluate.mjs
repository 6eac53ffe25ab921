// Reference side of the policy differential test (checks/tests/policy_differential.rs).
//
// Reads a JSON array of cases on stdin:
//   [{ "policy": <policy JSON>, "action": "...", "resource": "...", "context": { "key": ["v", ...] } }]
// and prints a JSON array with one decision per case, in order:
//   "allow" | "explicitDeny" | "implicitDeny" | "unknown"
//
// Each policy is evaluated as the only identity-based policy of an IAM user in the
// resource's account, with no SCPs, RCPs, boundaries or resource policy. Its decision is
// then exactly the decision of the policy on its own, which is what Policy::evaluate
// computes.
//
// A case may instead carry "scpLevels": [[<policy>, ...], ...] (root first, account last).
// Then the policies are SCPs attached at those levels and the principal's only identity
// policy allows everything, so the decision is the SCPs' (what evaluate_scps computes). runUnsafeSimulation is used because the validated entry point rejects the
// case grid on purpose (a foundation-model ARN for bedrock:ListFoundationModels, whose
// only resource is "*") and drops context keys it does not list for an action.
import { runUnsafeSimulation } from '@cloud-copilot/iam-simulate'

const ACCOUNT = '123456789012'
const PRINCIPAL = `arn:aws:iam::${ACCOUNT}:user/bedrock-doctor-diff`

const ALLOW_ALL = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }]
}

const DECISIONS = {
  Allowed: 'allow',
  ExplicitlyDenied: 'explicitDeny',
  ImplicitlyDenied: 'implicitDeny'
}

function contextVariables(context) {
  const out = {}
  for (const [key, values] of Object.entries(context ?? {})) {
    // A single value goes in as a string so single-valued operators see a scalar.
    out[key] = values.length === 1 ? values[0] : values
  }
  return out
}

function decide(c) {
  try {
    const result = runUnsafeSimulation(
      {
        request: {
          principal: PRINCIPAL,
          action: c.action,
          resource: { resource: c.resource, accountId: ACCOUNT },
          contextVariables: contextVariables(c.context)
        },
        identityPolicies: [{ name: 'identity', policy: c.scpLevels ? ALLOW_ALL : c.policy }],
        serviceControlPolicies: (c.scpLevels ?? []).map((policies, level) => ({
          orgIdentifier: level === 0 ? 'r-root' : `level-${level}`,
          policies: policies.map((policy, i) => ({ name: `scp-${level}-${i}`, policy }))
        })),
        resourceControlPolicies: []
      },
      {}
    )
    return DECISIONS[result] ?? 'unknown'
  } catch (err) {
    process.stderr.write(`case ${JSON.stringify(c)}: ${err?.stack ?? err}\n`)
    return 'unknown'
  }
}

let input = ''
process.stdin.setEncoding('utf8')
process.stdin.on('data', (chunk) => (input += chunk))
process.stdin.on('end', () => {
  const cases = JSON.parse(input)
  process.stdout.write(JSON.stringify(cases.map(decide)) + '\n')
})
