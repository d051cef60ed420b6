import { useQuery } from '@tanstack/react-query'
import { useMemo, useState, type ReactNode } from 'react'
import { api, unwrap } from '../api/client'
import type { FabricLeaf, LeafState, Topology, TopologyNode } from '../api/types'
import { Empty, ErrorBox, Loading } from '../components/common'
import { jobPath, leafCounts, leavesByBlock, podLeafWords } from '../lib/fabric-health'
import { count, counted } from '../lib/format'
import {
  acceleratorCells,
  acceleratorStateNames,
  expansionFor,
  familiesOf,
  initialExpansion,
  mapView,
  otherTenantJob,
  spanOf,
  stateLabel,
  type BlockView,
  type PodView,
  type StateCounts,
} from '../lib/topology-model'
import { Link, navigate } from '../router'
import { useMe } from '../session'
import { FabricLegend, FabricPanel, JobPathView, LeafBadge, LeafDetails } from './topology-fabric'

/** The fabric: pods of spines, blocks of leaves, nodes and their accelerators by state. */
export function TopologyPage({ search }: { search: string }) {
  const topology = useQuery({
    queryKey: ['topology'],
    refetchInterval: 3000,
    queryFn: async () => unwrap(await api.GET('/api/v1/cluster/topology')),
  })
  // the leaves' network health, on the same poll (issue #21)
  const fabric = useQuery({
    queryKey: ['fabric'],
    refetchInterval: 3000,
    queryFn: async () => unwrap(await api.GET('/api/v1/fabric')).items,
  })
  return (
    <section aria-labelledby="topology-title">
      <h1 id="topology-title">Topology</h1>
      {topology.isError ? <ErrorBox error={topology.error} title="Cannot load the fabric" /> : null}
      {topology.data === undefined ? (
        topology.isError ? null : (
          <Loading what="the fabric" />
        )
      ) : (
        <TopologyMap
          topology={topology.data}
          job={new URLSearchParams(search).get('job')}
          fabric={fabric.data}
          fabricError={fabric.isError}
        />
      )}
    </section>
  )
}

function TopologyMap({
  topology,
  job,
  fabric,
  fabricError,
}: {
  topology: Topology
  job: string | null
  fabric: readonly FabricLeaf[] | undefined
  fabricError: boolean
}) {
  const [expanded, setExpanded] = useState(() => {
    const open = initialExpansion(topology.nodes)
    const selected = topology.jobs.find((j) => j.id === job)
    for (const k of selected === undefined ? [] : expansionFor(topology.nodes, selected.nodes)) {
      open.add(k)
    }
    return open
  })
  const selected = topology.jobs.find((j) => j.id === job)
  const highlight = useMemo(() => new Set(selected?.nodes ?? []), [selected])
  const view = useMemo(
    () => mapView(topology, expanded, highlight),
    [topology, expanded, highlight],
  )
  const toggle = (key: string) => {
    setExpanded((old) => {
      const next = new Set(old)
      if (next.has(key)) {
        next.delete(key)
      } else {
        next.add(key)
      }
      return next
    })
  }
  const select = (id: string | null) => {
    navigate(id === null ? '/topology' : `/topology?job=${encodeURIComponent(id)}`, true)
    const j = topology.jobs.find((x) => x.id === id)
    if (j !== undefined) {
      setExpanded((old) => new Set([...old, ...expansionFor(topology.nodes, j.nodes)]))
    }
  }
  const span = selected === undefined ? undefined : spanOf(topology.nodes, selected.nodes)
  const leaves = useMemo(() => leavesByBlock(fabric ?? []), [fabric])
  const path = selected === undefined ? undefined : jobPath(topology.nodes, selected.nodes, leaves)
  const total = topology.nodes.reduce((s, n) => s + n.accelerators, 0)
  return (
    <div className="topology">
      <p>
        {topology.name}: {topology.design} fabric, {counted(topology.tiers, 'tier', 'tiers')},{' '}
        {counted(topology.planes, 'plane', 'planes')} ·{' '}
        {counted(topology.nodes.length, 'node', 'nodes')} of{' '}
        {familiesOf(topology.nodes).join(' and ')} · {counted(total, 'accelerator', 'accelerators')}{' '}
        · per plane: {counted(topology.switches.leavesPerBlock, 'leaf', 'leaves')} per block,{' '}
        {counted(topology.switches.core, 'core switch', 'core switches')}
      </p>
      <Legend />
      <FabricLegend />
      <div className="topology-body">
        <aside aria-labelledby="jobs-on-map">
          <h2 id="jobs-on-map">Running jobs</h2>
          {topology.jobs.length === 0 ? (
            <Empty>No running jobs you can see.</Empty>
          ) : (
            <ul className="job-picker">
              {topology.jobs.map((j) => (
                <li key={j.id}>
                  <button
                    type="button"
                    aria-pressed={j.id === job}
                    onClick={() => {
                      select(j.id === job ? null : j.id)
                    }}
                  >
                    {j.name} <small>{j.id}</small>
                  </button>
                </li>
              ))}
            </ul>
          )}
          {selected === undefined || span === undefined ? null : (
            <div className="span" role="status" data-testid="span">
              <strong>{selected.name}</strong> runs on {counted(span.nodes, 'node', 'nodes')} in{' '}
              {counted(span.blocks, 'block', 'blocks')} and {counted(span.pods, 'pod', 'pods')}; its
              traffic crosses the <strong>{span.tier}</strong> tier.{' '}
              <Link href={`/jobs/${encodeURIComponent(selected.id)}`}>Job details</Link>
            </div>
          )}
          {selected === undefined || path === undefined ? null : (
            <JobPathView path={path} name={selected.name} />
          )}
          <FabricPanel leaves={fabric} error={fabricError} />
        </aside>
        <div className="pods">
          {view.map((pod) => (
            <Pod
              key={pod.key}
              leaves={topology.switches.leavesPerBlock}
              pod={pod}
              planes={topology.planes}
              highlight={highlight}
              job={selected?.id}
              toggle={toggle}
              health={leaves}
            />
          ))}
        </div>
      </div>
    </div>
  )
}

/** What the cells' colours mean; an admin sees every job by id, so no "other tenants" entry. */
function Legend() {
  const me = useMe()
  return (
    <ul className="legend" aria-label="Legend" data-testid="legend">
      {acceleratorStateNames
        .filter((s) => !(s === 'other' && me.isAdmin))
        .map((s) => (
          <li key={s} data-state={s}>
            <span className={`cell cell-${s}`} aria-hidden="true" /> {stateLabel(s, me.isAdmin)}
          </li>
        ))}
      <li>
        <span className="cell cell-allocated cell-hl" aria-hidden="true" /> selected job
      </li>
    </ul>
  )
}

/** A stacked bar of accelerators by state, with the counts in words for screen readers. */
function StateBar({ counts }: { counts: StateCounts }) {
  const me = useMe()
  const total = acceleratorStateNames.reduce((s, k) => s + counts[k], 0)
  const words = `accelerators: ${acceleratorStateNames
    .filter((k) => counts[k] > 0)
    .map((k) => `${count(counts[k])} ${stateLabel(k, me.isAdmin)}`)
    .join(', ')}`
  return (
    <div className="statebar" role="img" aria-label={words} title={words}>
      {acceleratorStateNames.map((k) =>
        counts[k] === 0 ? null : (
          <span
            key={k}
            className={`cell-${k}`}
            style={{ flexGrow: counts[k] / Math.max(1, total) }}
          />
        ),
      )}
    </div>
  )
}

function Pod({
  pod,
  leaves,
  planes,
  highlight,
  job,
  toggle,
  health,
}: {
  pod: PodView
  leaves: number
  planes: number
  highlight: ReadonlySet<string>
  job: string | undefined
  toggle: (key: string) => void
  health: ReadonlyMap<number, FabricLeaf>
}) {
  const mine = [...health.entries()].filter(([, l]) => l.pod === pod.index).map(([b]) => b)
  const counts = leafCounts(health, mine)
  const state = counts.failed > 0 ? 'failed' : counts.degraded > 0 ? 'degraded' : 'healthy'
  return (
    <Tier
      leafState={state}
      badge={<LeafBadge state={state} words={podLeafWords(counts)} />}
      kind="pod"
      name={`Pod ${pod.index}`}
      meta={`${pod.families.join(' + ')} · ${counted(pod.spines, 'spine', 'spines')} × ${counted(planes, 'plane', 'planes')} · ${counted(pod.blockCount, 'block', 'blocks')} · ${counted(pod.nodeCount, 'node', 'nodes')}`}
      tier={pod}
      toggle={toggle}
    >
      <div className="blocks">
        {pod.blocks.map((b) => (
          <Block
            key={b.key}
            block={b}
            leaves={leaves}
            highlight={highlight}
            job={job}
            toggle={toggle}
            leaf={health.get(b.index)}
          />
        ))}
      </div>
    </Tier>
  )
}

function Block({
  block,
  leaves,
  highlight,
  job,
  toggle,
  leaf,
}: {
  block: BlockView
  leaves: number
  highlight: ReadonlySet<string>
  job: string | undefined
  toggle: (key: string) => void
  leaf: FabricLeaf | undefined
}) {
  const state = leaf?.state ?? 'healthy'
  return (
    <Tier
      leafState={state}
      badge={<LeafBadge state={state} />}
      kind="block"
      name={`Block ${block.index}`}
      meta={`${block.families.join(' + ')} · ${counted(leaves, 'leaf', 'leaves')} · ${counted(block.nodeCount, 'node', 'nodes')}`}
      tier={block}
      toggle={toggle}
    >
      {leaf === undefined ? null : <LeafDetails leaf={leaf} />}
      <ul className="nodes">
        {block.nodes.map((n) => (
          <NodeTile key={n.name} node={n} job={highlight.has(n.name) ? job : undefined} />
        ))}
      </ul>
    </Tier>
  )
}

/** A pod or a block: a header that opens and closes it, its state bar, and what it holds. */
function Tier({
  kind,
  name,
  meta,
  tier,
  toggle,
  children,
  leafState,
  badge,
}: {
  kind: 'pod' | 'block'
  leafState: LeafState
  badge: ReactNode
  name: string
  meta: string
  tier: {
    readonly key: string
    readonly highlighted: boolean
    readonly expanded: boolean
    readonly counts: StateCounts
  }
  toggle: (key: string) => void
  children: ReactNode
}) {
  return (
    <section
      className={`${kind} leaf-${leafState}${tier.highlighted ? ' hl' : ''}`}
      aria-label={name}
      data-leaf-state={leafState}
      data-path={tier.highlighted ? 'true' : undefined}
    >
      <button
        type="button"
        className="tier-head"
        aria-expanded={tier.expanded}
        onClick={() => {
          toggle(tier.key)
        }}
      >
        <span className="tier-name">{name}</span>
        {badge}
        <span className="tier-meta">{meta}</span>
        <StateBar counts={tier.counts} />
      </button>
      {tier.expanded ? children : null}
    </section>
  )
}

function NodeTile({ node, job }: { node: TopologyNode; job: string | undefined }) {
  const highlighted = job !== undefined
  const cells = acceleratorCells(node)
  const jobs = node.jobs
    .map((j) => (j.id === otherTenantJob ? 'another tenant’s' : j.id))
    .join(', ')
  const state =
    node.health === 'failed' ? 'failed' : node.adminState === 'drained' ? 'drained' : 'healthy'
  const held = cells.filter((c) => c.state === 'allocated' || c.state === 'other').length
  return (
    <li
      className={`node${highlighted ? ' hl' : ''}`}
      data-node={node.name}
      data-state={state}
      data-highlighted={highlighted ? 'true' : undefined}
      title={`${node.name} (${node.family}) ${state}${node.reason === '' ? '' : `: ${node.reason}`}${jobs === '' ? '' : ` · jobs: ${jobs}`}`}
    >
      <span className="node-name">{node.name}</span>
      <span
        className="cells"
        role="img"
        aria-label={`${node.name} (${node.family}): ${state}, ${held} of ${counted(cells.length, 'accelerator', 'accelerators')} allocated`}
      >
        {cells.map((c, i) => (
          <span
            key={i}
            className={`cell cell-${c.state}${c.job !== undefined && c.job === job ? ' cell-hl' : ''}`}
          />
        ))}
      </span>
    </li>
  )
}
