"""Checkpoints with Zhisuan from a training job: a small, dependency-free helper (Python 3.8+).

The job writes each checkpoint to a fast local directory and says it is finished by writing
`manifest.json` last; the node agent's uploader streams the shards to the durable tier, checks
them, and reports them to the control plane, which commits the checkpoint only when every shard
is durable and verified. On a restart the job asks for the newest committed checkpoint.

Environment (set by the backend when it launches the job):
  ZHISUAN_SERVER      control plane URL, e.g. http://cp:7070
  ZHISUAN_TOKEN       a token that may act on the job
  ZHISUAN_JOB_ID      the Zhisuan job id
  ZHISUAN_CHECKPOINT_DIR  the node's local checkpoint directory for this job

Use with PyTorch (one process per rank):

    from zhisuan_checkpoint import Checkpoints
    ckpt = Checkpoints()
    latest = ckpt.latest()                      # None on a first start
    if latest is not None:
        state = torch.load(ckpt.local_or_durable(latest, f"rank{rank}.pt"))
    ...
    if step % interval == 0:
        path = ckpt.shard_path(step, f"rank{rank}.pt")
        torch.save(model.state_dict(), path)
        barrier()
        if rank == 0:
            ckpt.finish(step)                   # writes manifest.json: the uploader takes over

The HTTP calls it makes are the documented ones (see README, "Checkpoints"):
  GET  /api/v1/jobs/{id}/checkpoints/latest   -> 200 { id, step, shards: [{ path, location }] } | 404
  GET  /api/v1/jobs/{id}/checkpoints/plan     -> { recommendedIntervalS, expectedEttr, ... }
"""
import json
import os
import urllib.error
import urllib.request


class Checkpoints:
    def __init__(self, server=None, token=None, job_id=None, root=None):
        self.server = (server or os.environ["ZHISUAN_SERVER"]).rstrip("/")
        self.token = token or os.environ["ZHISUAN_TOKEN"]
        self.job_id = job_id or os.environ["ZHISUAN_JOB_ID"]
        self.root = root or os.environ["ZHISUAN_CHECKPOINT_DIR"]

    def _get(self, path):
        request = urllib.request.Request(
            f"{self.server}/api/v1/jobs/{self.job_id}{path}",
            headers={"authorization": f"Bearer {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise

    def latest(self):
        """The newest committed checkpoint, or None."""
        return self._get("/checkpoints/latest")

    def plan(self):
        """The recommended interval (Young/Daly) and the expected ETTR for this job."""
        return self._get("/checkpoints/plan")

    def shard_path(self, step, name):
        """Where this rank writes its shard of the checkpoint at `step`."""
        directory = os.path.join(self.root, f"step-{step:012d}")
        os.makedirs(directory, exist_ok=True)
        return os.path.join(directory, name)

    def finish(self, step, tag=None):
        """Declares the checkpoint at `step` complete on local disk: writes manifest.json last."""
        directory = os.path.join(self.root, f"step-{step:012d}")
        shards = []
        for base, _, files in os.walk(directory):
            for name in sorted(files):
                if name == "manifest.json" or name.endswith(".partial"):
                    continue
                full = os.path.join(base, name)
                shards.append({"path": os.path.relpath(full, directory), "size": os.path.getsize(full)})
        manifest = {"step": step, "shards": shards}
        if tag is not None:
            manifest["tag"] = tag
        temporary = os.path.join(directory, "manifest.json.partial")
        with open(temporary, "w") as out:
            json.dump(manifest, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, os.path.join(directory, "manifest.json"))

    def local_or_durable(self, checkpoint, name):
        """A shard of a committed checkpoint: the local copy if this node still has it, else its durable location."""
        local = os.path.join(self.root, f"step-{checkpoint['step']:012d}", name)
        if os.path.exists(local):
            return local
        for shard in checkpoint["shards"]:
            if shard["path"] == name:
                return shard["location"]
        raise FileNotFoundError(name)
