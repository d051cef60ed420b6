import { useQuery } from '@tanstack/react-query'
import { api, unwrap } from '../api/client'
import type { QuotaUsage } from '../api/types'
import { Empty, ErrorBox, Loading, TableHead } from '../components/common'
import { count, scu } from '../lib/format'
import { guaranteeUse } from '../lib/quota-share'
import { useMe } from '../session'

/** Tenants' guaranteed, borrowed and used SCU per workload class (an admin sees all). */
export function TenantsPage() {
  const me = useMe()
  const usage = useQuery({
    queryKey: ['quota-usage', me.isAdmin ? '*' : me.tenant],
    refetchInterval: 5000,
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/quota-usage', {
          params: { query: me.isAdmin ? {} : { tenant: me.tenant } },
        }),
      ),
  })
  const tenants = useQuery({
    queryKey: ['tenants'],
    queryFn: async () => unwrap(await api.GET('/api/v1/tenants')),
  })
  return (
    <section aria-labelledby="tenants-title">
      <h1 id="tenants-title">Tenants and quotas</h1>
      <p>
        {me.isAdmin
          ? 'Every tenant’s quota per workload class in standard compute units (SCU), and what its running jobs hold now. Used above the guarantee is borrowed from idle capacity, up to the borrowing limit.'
          : `Your tenant (${me.tenant}): its quota and what its running jobs hold now. Other tenants are an admin’s view.`}
      </p>
      {usage.isError ? <ErrorBox error={usage.error} title="Cannot load quota use" /> : null}
      {usage.data === undefined ? (
        usage.isError ? null : (
          <Loading what="quotas" />
        )
      ) : usage.data.items.length === 0 ? (
        <Empty>No quotas set and nothing running.</Empty>
      ) : (
        <QuotaTable items={usage.data.items} />
      )}
      <h2>Tenants</h2>
      {tenants.isError ? <ErrorBox error={tenants.error} title="Cannot list tenants" /> : null}
      {tenants.data === undefined ? null : tenants.data.items.length === 0 ? (
        <Empty>No tenants yet (an admin creates them: POST /api/v1/tenants).</Empty>
      ) : (
        <ul className="tenant-list">
          {tenants.data.items.map((t) => (
            <li key={t.name}>
              <strong>{t.name}</strong>:{' '}
              {Object.keys(t.quotas).length === 0
                ? 'no quota (runs on idle capacity only)'
                : Object.entries(t.quotas)
                    .map(
                      ([c, q]) =>
                        `${c} ${scu(q.guaranteed)} guaranteed${q.borrowingLimit === undefined ? '' : `, borrows up to ${scu(q.borrowingLimit)}`}`,
                    )
                    .join('; ')}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

function QuotaTable({ items }: { items: readonly QuotaUsage[] }) {
  return (
    <table>
      <TableHead
        columns={[
          'Tenant',
          'Workload class',
          { label: 'Guaranteed', num: true },
          { label: 'Borrowing limit', num: true },
          { label: 'Used', num: true },
          { label: 'Borrowed', num: true },
          'Use of the guarantee',
          { label: 'Accelerators', num: true },
          { label: 'Jobs', num: true },
        ]}
      />
      <tbody>
        {items.map((q) => (
          <tr key={`${q.tenant}/${q.workloadClass}`} data-tenant={q.tenant}>
            <th scope="row">{q.tenant}</th>
            <td>{q.workloadClass}</td>
            <td className="num">{scu(q.guaranteed)}</td>
            <td className="num">{q.borrowingLimit === null ? '–' : scu(q.borrowingLimit)}</td>
            <td className="num">{scu(q.used)}</td>
            <td className="num">{scu(q.borrowed)}</td>
            <td>
              <GuaranteeBar used={q.used} guaranteed={q.guaranteed} />
            </td>
            <td className="num">{count(q.accelerators)}</td>
            <td className="num">{count(q.jobs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/**
 * Use of the guarantee: a bar that stops at 100% to fit its cell, a marker past its end when the
 * tenant borrows beyond it, and the real figure in words (304%, never a capped 100%).
 */
function GuaranteeBar({ used, guaranteed }: { used: number; guaranteed: number }) {
  const use = guaranteeUse(used, guaranteed)
  return (
    <span className="guarantee" data-testid="guarantee-use">
      <span className="guarantee-bar" role="img" aria-label={use.label}>
        <span className="guarantee-fill" style={{ width: `${use.fill * 100}%` }} />
        {use.over ? <span className="guarantee-over" title="beyond the guarantee" /> : null}
      </span>{' '}
      <span className="guarantee-figure">{use.label}</span>
    </span>
  )
}
