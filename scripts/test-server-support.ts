import { execFileSync, spawnSync } from 'node:child_process'
import { createServer } from 'node:net'

// What the scripts that start throwaway test servers (PostgreSQL, Ceph RGW, Swift) share: how they say
// "not installed here", when they may install Debian packages, and how they find a free loopback port.

/** Exit status of a `start` that found nothing installed outside CI: the tests that need it say so. */
export const EXIT_UNAVAILABLE = 3

/** The server's programs are not installed (and may not be installed here). */
export class Unavailable extends Error {}

export const isCi = (): boolean => process.env.CI === 'true'
export const isRoot = (): boolean => process.getuid?.() === 0

/** In CI, as root with apt-get, the project installs what its tests need (never by hand). */
export const mayInstall = (): boolean => isCi() && isRoot() && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0

export function aptInstall (packages: readonly string[], why: string): void {
  process.stderr.write(`${why}; installing Debian ${packages.join(' ')} (CI=true)\n`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { stdio: 'inherit', env })
}

/** A port the kernel just gave out on 127.0.0.1. */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve) })
  const address = server.address()
  await new Promise<void>(resolve => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no free port')
  return address.port
}
