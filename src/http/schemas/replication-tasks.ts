import { Type } from '@sinclair/typebox'
import { TASK_STATES } from '../../catalogue/index.js'
import type { TSchema } from '@sinclair/typebox'

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()])

// The replication queue's tasks (issue 16 item 4).

const TaskState = Type.Union(TASK_STATES.map(s => Type.Literal(s)), { description: 'queued (waiting, maybe for its backoff), running, done (read back and verified), failed (given up; see lastError), held (not to run now; see lastError)' })

export const TaskQuery = Type.Object({
  state: Type.Optional(TaskState),
  node: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: 'only tasks of this node' })),
  package: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'only tasks of this package' }))
})

export const TaskView = Type.Object({
  id: Type.String({ description: 'the task (rpl_…)' }),
  packageId: Type.String({ description: 'the package' }),
  version: Type.Integer({ description: 'the package version copied' }),
  nodeId: Type.String({ description: 'the node copied to' }),
  state: TaskState,
  attempts: Type.Integer({ description: 'attempts so far (a shutdown does not count)' }),
  nextAttemptAt: Type.String({ description: 'not tried again before this (backoff after a failure)' }),
  leaseOwner: Nullable(Type.String({ description: 'the worker running it' })),
  leaseUntil: Nullable(Type.String({ description: 'its lease runs out then unless renewed' })),
  filesTotal: Nullable(Type.Integer({ description: 'content files of the version' })),
  filesDone: Type.Integer({ description: 'content files read back and verified on the node' }),
  bytesTotal: Nullable(Type.Integer({ description: 'bytes of those files' })),
  bytesDone: Type.Integer({ description: 'bytes read back and verified' }),
  lastError: Nullable(Type.Object({ code: Type.String({ description: 'a stable error code (docs/errors.md)' }), message: Type.String({ description: 'what went wrong' }) }, { description: 'the last failure, or why the task is held' })),
  createdAt: Type.String({ description: 'when placement queued it' }),
  updatedAt: Type.String({ description: 'last change' })
})

export const TasksPage = Type.Object({
  items: Type.Array(TaskView),
  total: Type.Integer({ description: 'tasks matching the query' }),
  limit: Type.Integer({ description: 'items per page' }),
  offset: Type.Integer({ description: 'items skipped' })
})

export const ReplicateResult = Type.Object({
  planned: Type.Integer({ description: 'copies newly planned by placement' }),
  requeued: Type.Integer({ description: 'failed, held, finished or backing-off tasks queued again now' }),
  queued: Type.Integer({ description: 'tasks newly made for planned copies' })
})
