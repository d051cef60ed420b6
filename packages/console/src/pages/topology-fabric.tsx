import type { FabricLeaf, LeafState } from '../api/types'
import { counted } from '../lib/format'
import {
  gangWords,
  leafStateLabel,
  leafStateNames,
  leafWords,
  type JobPath,
} from '../lib/fabric-health'

// The network-health overlay of the topology page (issue #21): the legend's leaf states, a
// leaf's badge and details, the side panel's list of unhealthy leaves and a job's fabric path.
// Text and classes only (the page's CSP allows no inline styles in HTML, and no HTML tooltips).

/** The legend of the leaves' network health, beside the accelerators' legend. */
export function FabricLegend() {
  return (
    <ul className="legend" aria-label="Network legend" data-testid="fabric-legend">
      {leafStateNames.map((s) => (
        <li key={s} data-leaf-state={s}>
          <span className={`swatch leaf-swatch-${s}`} aria-hidden="true" /> {leafStateLabel(s)}
        </li>
      ))}
      <li>
        <span className="swatch leaf-swatch-path" aria-hidden="true" /> selected job’s path
      </li>
    </ul>
  )
}

/** A short visible label of an unhealthy leaf (nothing for a healthy one). */
export function LeafBadge({ state, words }: { state: LeafState; words?: string }) {
  if (state === 'healthy') {
    return null
  }
  return <span className={`leaf-badge leaf-badge-${state}`}>{words ?? `leaf ${state}`}</span>
}

/** A leaf's reason, loss rate, congestion and the gangs it slows, as a block shows it. */
export function LeafDetails({ leaf }: { leaf: FabricLeaf }) {
  if (leaf.state === 'healthy') {
    return null
  }
  return (
    <div className={`leaf-details leaf-details-${leaf.state}`}>
      <p>
        <strong>Leaf {leaf.state}</strong> — {leafWords(leaf).replace(/^[a-z]+: /, '')}
      </p>
      {leaf.gangsAffected.length === 0 ? (
        <p>No running gang uses it.</p>
      ) : (
        <ul aria-label={`Gangs on ${leaf.id}`}>
          {leaf.gangsAffected.map((g, i) => (
            <li key={`${g.job}-${i}`}>{gangWords(g)}</li>
          ))}
        </ul>
      )}
    </div>
  )
}

/** The side panel: how many leaves are healthy, and each unhealthy one with its details. */
export function FabricPanel({
  leaves,
  error,
}: {
  leaves: readonly FabricLeaf[] | undefined
  error: boolean
}) {
  const sick = (leaves ?? []).filter((l) => l.state !== 'healthy')
  return (
    <section className="fabric-panel" aria-labelledby="fabric-health">
      <h2 id="fabric-health">Network health</h2>
      {leaves === undefined ? (
        <p>{error ? 'Cannot load the fabric’s health.' : 'Loading the fabric’s health…'}</p>
      ) : (
        <>
          <p data-testid="fabric-summary">
            {counted(leaves.length - sick.length, 'leaf', 'leaves')} of {leaves.length} healthy
            {sick.length === 0 ? '.' : ':'}
          </p>
          {sick.length === 0 ? null : (
            <ul className="sick-leaves">
              {sick.map((l) => (
                <li key={l.id} data-leaf={l.id} data-leaf-state={l.state}>
                  <span className="leaf-name">
                    {l.id.replace('block-', 'Block ')} (pod {l.pod})
                  </span>
                  <LeafDetails leaf={l} />
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  )
}

/** A selected job's path over the fabric: its leaves with their health, then spines and core. */
export function JobPathView({ path, name }: { path: JobPath; name: string }) {
  if (path.leaves.length === 0) {
    return null
  }
  return (
    <div className="job-path" data-testid="job-path" data-path-state={path.state}>
      <h3>Path of {name}</h3>
      <ol aria-label={`Fabric path of ${name}`}>
        {path.leaves.map((l) => (
          <li key={l.block} data-path-leaf={l.block} data-leaf-state={l.state}>
            {counted(l.nodes.length, 'node', 'nodes')} → leaf of block {l.block}{' '}
            <span className={`leaf-badge leaf-badge-${l.state}`}>{l.state}</span>
          </li>
        ))}
        {path.pods.length === 0 ? null : (
          <li>
            spines of {path.pods.length === 1 ? 'pod' : 'pods'} {path.pods.join(', ')}
          </li>
        )}
        {path.core ? <li>core switches</li> : null}
      </ol>
    </div>
  )
}
