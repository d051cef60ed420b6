import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef, useState, type SyntheticEvent } from 'react'
import { api, unwrap } from '../api/client'
import type { NodeView } from '../api/types'
import { Badge, Empty, ErrorBox, Loading, TableHead } from '../components/common'
import { dateTime, scu } from '../lib/format'
import { useMe } from '../session'

const states = ['healthy', 'failed', 'drained', 'busy', 'idle'] as const

/** Nodes: health, models, reasons, jobs; drain and resume for admins. */
export function NodesPage() {
  const me = useMe()
  const [state, setState] = useState<(typeof states)[number] | ''>('')
  const [acting, setActing] = useState<{ node: NodeView; action: 'drain' | 'resume' } | null>(null)
  const nodes = useQuery({
    queryKey: ['nodes', state],
    refetchInterval: 3000,
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/nodes', { params: { query: state === '' ? {} : { state } } })),
  })
  return (
    <section aria-labelledby="nodes-title">
      <div className="page-head">
        <h1 id="nodes-title">Nodes</h1>
        <label className="inline">
          Show{' '}
          <select
            value={state}
            onChange={(e) => {
              setState(e.target.value as typeof state)
            }}
          >
            <option value="">all nodes</option>
            {states.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      {me.isAdmin ? null : (
        <p className="note">Draining and resuming nodes needs an admin token.</p>
      )}
      {nodes.isError ? <ErrorBox error={nodes.error} title="Cannot list nodes" /> : null}
      {nodes.data === undefined ? (
        nodes.isError ? null : (
          <Loading what="nodes" />
        )
      ) : nodes.data.items.length === 0 ? (
        <Empty>No nodes in this state.</Empty>
      ) : (
        <div className="scroll-x">
          <table>
            <TableHead
              columns={[
                'Node',
                'Family',
                'Pod / block',
                'Health',
                'Admin state',
                'Reason',
                'Models (agent)',
                'Agent',
                'Jobs',
                { label: 'SCU', num: true },
                me.isAdmin ? 'Actions' : null,
              ]}
            />
            <tbody>
              {nodes.data.items.map((n) => (
                <tr key={n.name} data-node={n.name}>
                  <th scope="row">{n.name}</th>
                  <td>{n.family}</td>
                  <td>
                    {n.pod} / {n.block}
                  </td>
                  <td>
                    <Badge state={n.health} />
                  </td>
                  <td>
                    <Badge state={n.adminState} />
                  </td>
                  <td>{n.reason === '' ? '–' : n.reason}</td>
                  <td>{modelsOf(n)}</td>
                  <td>
                    {n.agent.state}
                    {n.agent.lastSeenAt === null ? '' : ` (${dateTime(n.agent.lastSeenAt)})`}
                  </td>
                  <td className="mono">{n.jobs.length === 0 ? '–' : n.jobs.join(', ')}</td>
                  <td className="num">{scu(n.scu)}</td>
                  {me.isAdmin ? (
                    <td>
                      {n.adminState === 'drained' ? (
                        <button
                          type="button"
                          onClick={() => {
                            setActing({ node: n, action: 'resume' })
                          }}
                        >
                          Resume
                        </button>
                      ) : (
                        <button
                          type="button"
                          onClick={() => {
                            setActing({ node: n, action: 'drain' })
                          }}
                        >
                          Drain
                        </button>
                      )}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {acting === null ? null : (
        <NodeDialog
          node={acting.node}
          action={acting.action}
          onClose={() => {
            setActing(null)
          }}
        />
      )}
    </section>
  )
}

/** The accelerator models the node's agent reported, with counts: `8 × H100 80GB HBM3`. */
function modelsOf(n: NodeView): string {
  if (n.devices.length === 0) {
    return 'no report'
  }
  const counts = new Map<string, number>()
  for (const d of n.devices) {
    counts.set(d.model, (counts.get(d.model) ?? 0) + 1)
  }
  const unhealthy = n.devices.filter((d) => d.health !== 'healthy').length
  return `${[...counts].map(([m, c]) => `${c} × ${m}`).join(', ')}${unhealthy > 0 ? ` (${unhealthy} unhealthy)` : ''}`
}

/** The drain or resume dialog: a reason, and for a drain whether to move its gangs now. */
function NodeDialog({
  node,
  action,
  onClose,
}: {
  node: NodeView
  action: 'drain' | 'resume'
  onClose: () => void
}) {
  const client = useQueryClient()
  const dialog = useRef<HTMLDialogElement>(null)
  const [reason, setReason] = useState('')
  const [evacuate, setEvacuate] = useState(false)
  useEffect(() => {
    dialog.current?.showModal()
  }, [])
  const act = useMutation({
    mutationFn: async () =>
      action === 'drain'
        ? unwrap(
            await api.POST('/api/v1/nodes/{name}/drain', {
              params: { path: { name: node.name } },
              body: { reason, ...(evacuate ? { evacuate: true } : {}) },
            }),
          )
        : unwrap(
            await api.POST('/api/v1/nodes/{name}/resume', {
              params: { path: { name: node.name } },
            }),
          ),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['nodes'] })
      await client.invalidateQueries({ queryKey: ['topology'] })
      onClose()
    },
  })
  const submit = (e: SyntheticEvent) => {
    e.preventDefault()
    act.mutate()
  }
  return (
    <dialog ref={dialog} aria-labelledby="node-dialog-title" onClose={onClose}>
      <form onSubmit={submit}>
        <h2 id="node-dialog-title">
          {action === 'drain' ? 'Drain' : 'Resume'} {node.name}
        </h2>
        {action === 'drain' ? (
          <>
            <p>A drained node takes no new work.</p>
            <label htmlFor="drain-reason">Reason</label>
            <textarea
              id="drain-reason"
              required
              maxLength={512}
              value={reason}
              onChange={(e) => {
                setReason(e.target.value)
              }}
            />
            <label className="inline">
              <input
                type="checkbox"
                checked={evacuate}
                onChange={(e) => {
                  setEvacuate(e.target.checked)
                }}
              />{' '}
              Evacuate: restart the gangs running here elsewhere now, from their last checkpoint
            </label>
            {node.jobs.length > 0 ? (
              <p className="note">
                Running here: <span className="mono">{node.jobs.join(', ')}</span>
              </p>
            ) : null}
          </>
        ) : (
          <p>The node returns to service and takes new work.</p>
        )}
        {act.isError ? <ErrorBox error={act.error} title={`Cannot ${action}`} /> : null}
        <div className="actions">
          <button type="button" onClick={() => dialog.current?.close()}>
            Keep as is
          </button>
          <button
            type="submit"
            className={action === 'drain' ? 'danger' : ''}
            disabled={act.isPending}
          >
            {action === 'drain' ? 'Drain node' : 'Resume node'}
          </button>
        </div>
      </form>
    </dialog>
  )
}
