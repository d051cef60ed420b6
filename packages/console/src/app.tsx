import { useEffect, useRef } from 'react'
import { JobDetailPage } from './pages/job-detail'
import { JobsPage } from './pages/jobs'
import { NodesPage } from './pages/nodes'
import { OverviewPage } from './pages/overview'
import { ReportsPage } from './pages/reports'
import { ServicesPage } from './pages/services'
import { TenantsPage } from './pages/tenants'
import { TopologyPage } from './pages/topology'
import { Link, useLocation } from './router'
import { useMe } from './session'

const pages = [
  { path: '/', label: 'Overview' },
  { path: '/topology', label: 'Topology' },
  { path: '/jobs', label: 'Jobs' },
  { path: '/services', label: 'Services' },
  { path: '/tenants', label: 'Tenants and quotas' },
  { path: '/nodes', label: 'Nodes' },
  { path: '/reports', label: 'Simulation reports' },
]

/** The signed-in console: navigation and the page the path names. */
export function App() {
  const me = useMe()
  const { path, search } = useLocation()
  const current = (p: string) => (p === '/' ? path === '/' : path.startsWith(p))
  const title = path.startsWith('/jobs/')
    ? `Job ${decodeURIComponent(path.slice('/jobs/'.length))}`
    : (pages.find((p) => current(p.path))?.label ?? 'Not found')
  useEffect(() => {
    document.title = `${title} · Zhisuan`
  }, [title])
  const shown = useRef(path)
  useEffect(() => {
    // a new page (not a new query string): move the focus to it, so a keyboard or screen reader
    // user starts there rather than on the link they left behind
    if (shown.current !== path) {
      shown.current = path
      document.getElementById('main')?.focus()
    }
  }, [path])
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Zhisuan</span>
        <nav aria-label="Pages">
          <ul>
            {pages.map((p) => (
              <li key={p.path}>
                <Link href={p.path} aria-current={current(p.path) ? 'page' : undefined}>
                  {p.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        {/* the server's own page (Swagger UI over the OpenAPI document), not a console route */}
        <a className="docs-link" href="/docs">
          API docs
        </a>
        <span className="who" data-testid="who">
          {me.tenant} · {me.role}
          {me.canWrite ? '' : ' (read-only)'}
        </span>
        <button type="button" className="link-button" onClick={me.signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page path={path} search={search} />
      </main>
    </>
  )
}

function Page({ path, search }: { path: string; search: string }) {
  const job = /^\/jobs\/([^/]+)$/.exec(path)
  if (job?.[1] !== undefined) {
    return <JobDetailPage id={decodeURIComponent(job[1])} />
  }
  switch (path) {
    case '/':
      return <OverviewPage />
    case '/topology':
      return <TopologyPage search={search} />
    case '/jobs':
      return <JobsPage search={search} />
    case '/services':
      return <ServicesPage />
    case '/tenants':
      return <TenantsPage />
    case '/nodes':
      return <NodesPage />
    case '/reports':
      return <ReportsPage />
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            No console page at <code>{path}</code>. <Link href="/">Go to the overview</Link>.
          </p>
        </section>
      )
  }
}
