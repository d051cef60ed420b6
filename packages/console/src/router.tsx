import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react'

const listeners = new Set<() => void>()
window.addEventListener('popstate', () => {
  listeners.forEach((l) => {
    l()
  })
})

/** Goes to a console path (with its query), keeping the browser's history. */
export function navigate(to: string, replace = false): void {
  if (replace) {
    window.history.replaceState(null, '', to)
  } else {
    window.history.pushState(null, '', to)
  }
  listeners.forEach((l) => {
    l()
  })
}

const subscribe = (l: () => void) => {
  listeners.add(l)
  return () => {
    listeners.delete(l)
  }
}
const snapshot = () => `${window.location.pathname}${window.location.search}`

/** The current path and query string; re-renders on navigation. */
export function useLocation(): { path: string; search: string } {
  const href = useSyncExternalStore(subscribe, snapshot)
  const q = href.indexOf('?')
  return q < 0 ? { path: href, search: '' } : { path: href.slice(0, q), search: href.slice(q) }
}

/** A link that navigates inside the console without reloading it. */
export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    props.onClick?.(e)
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) {
      return
    }
    e.preventDefault()
    navigate(props.href)
  }
  return <a {...props} onClick={onClick} />
}
