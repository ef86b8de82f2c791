#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""The integration tests' CRI client (crictl is not in Debian).

Talks gRPC to containerd's CRI plugin with stubs generated at run time by
Debian's python3-grpc-tools from api.proto beside this file (the CRI v1
messages it needs).  Every RPC is timed on the client side, in wall-clock
nanoseconds (CLOCK_REALTIME, as coldtrace's records): those intervals are
the independent truth the tests hold coldtrace's phases against.

  cri.py --sock SOCK pod [--runtime R] [--containers N] [--pods N] ...
      runs N pods at once, each: RunPodSandbox, then per container
      CreateContainer + StartContainer, a hold (after the programs'
      exit with --wait-exit), then StopContainer +
      RemoveContainer per container, StopPodSandbox, RemovePodSandbox;
      prints one JSON object per pod (ids and the RPCs' intervals), or
      writes them to --rpcs-out
  cri.py --sock SOCK pull REF...
      PullImage of every REF at once (kubelet's parallel pulls: no other
      client), printing each RPC's interval "START_NS END_NS", in order
  cri.py --sock SOCK rmi REF...
      RemoveImage of each REF (containerd drops what only it held)
  cri.py --sock SOCK cleanup
      stops and removes every pod sandbox (tools/harness.sh stop)
"""
import argparse
import json
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def load_stubs(gen_dir):
    """Generate api_pb2*.py into gen_dir (if older than api.proto), import."""
    from grpc_tools import protoc
    import pkg_resources  # noqa: F401  (protoc's include path, below)

    proto = os.path.join(HERE, "api.proto")
    out = os.path.join(gen_dir, "api_pb2_grpc.py")
    os.makedirs(gen_dir, exist_ok=True)
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(proto):
        inc = pkg_resources.resource_filename("grpc_tools", "_proto")
        rc = protoc.main(["protoc", "-I" + HERE, "-I" + inc,
                          "--python_out=" + gen_dir,
                          "--grpc_python_out=" + gen_dir, proto])
        if rc != 0:
            sys.exit("cri.py: protoc failed on %s" % proto)
    sys.path.insert(0, gen_dir)
    import api_pb2
    import api_pb2_grpc
    return api_pb2, api_pb2_grpc


class Client:
    """One channel; each call is recorded as {rpc, id, start_ns, end_ns}."""

    def __init__(self, sock, pb, pb_grpc, timeout):
        import grpc
        self.pb = pb
        channel = grpc.insecure_channel("unix://" + sock)
        self.stub = pb_grpc.RuntimeServiceStub(channel)
        self.images = pb_grpc.ImageServiceStub(channel)
        self.timeout = timeout

    def call(self, log, name, req, oid=None):
        t0 = time.time_ns()
        resp = getattr(self.stub, name)(req, timeout=self.timeout)
        t1 = time.time_ns()
        oid = oid or getattr(resp, "pod_sandbox_id", "") or \
            getattr(resp, "container_id", "")
        log.append({"rpc": name, "id": oid, "start_ns": t0, "end_ns": t1})
        return resp


def sandbox_config(pb, args, name):
    md = pb.PodSandboxMetadata(name=name, uid=name + "-uid",
                               namespace="coldtrace", attempt=0)
    return pb.PodSandboxConfig(metadata=md, hostname=name,
                               log_directory=os.path.join(args.log_dir, name))


def run_pod(cl, args, name, result):
    pb, log = cl.pb, []
    result["name"], result["rpcs"] = name, log
    cfg = sandbox_config(pb, args, name)
    # what Kubernetes calls them, as the check compares coldtrace's names
    md = cfg.metadata
    result["namespace"], result["uid"] = md.namespace, md.uid
    result["image"] = args.image
    result["container_names"] = ["c%d" % i for i in range(args.containers)]
    sid = cl.call(log, "RunPodSandbox", pb.RunPodSandboxRequest(
        config=cfg, runtime_handler=args.runtime)).pod_sandbox_id
    result["sandbox_id"] = sid
    cids = []
    for i in range(args.containers):
        cc = pb.ContainerConfig(
            metadata=pb.ContainerMetadata(name=result["container_names"][i]),
            image=pb.ImageSpec(image=args.image),
            command=["/bin/sh", "-c", args.cmd.replace("{i}", str(i))],
            log_path="c%d.log" % i)
        cid = cl.call(log, "CreateContainer", pb.CreateContainerRequest(
            pod_sandbox_id=sid, config=cc, sandbox_config=cfg)).container_id
        cids.append(cid)
        cl.call(log, "StartContainer",
                pb.StartContainerRequest(container_id=cid), cid)
    result["containers"] = cids
    if args.wait_exit:
        for cid in cids:
            wait_exit(cl, cid)
    time.sleep(args.hold)
    for cid in cids:
        cl.call(log, "StopContainer", pb.StopContainerRequest(
            container_id=cid, timeout=args.stop_timeout), cid)
        cl.call(log, "RemoveContainer",
                pb.RemoveContainerRequest(container_id=cid), cid)
    cl.call(log, "StopPodSandbox",
            pb.StopPodSandboxRequest(pod_sandbox_id=sid), sid)
    cl.call(log, "RemovePodSandbox",
            pb.RemovePodSandboxRequest(pod_sandbox_id=sid), sid)


def wait_exit(cl, cid):
    """Until the container's program has exited by itself, with status 0:
    a workload that must run to its end (an exact open count) is then
    not cut short by StopContainer.  Polled, not logged: no RPC of the
    lifecycle."""
    pb = cl.pb
    end = time.monotonic() + cl.timeout
    while True:
        st = cl.stub.ContainerStatus(pb.ContainerStatusRequest(
            container_id=cid), timeout=cl.timeout).status
        if st.state == pb.CONTAINER_EXITED:
            if st.exit_code != 0:
                raise RuntimeError("container %s exited %d"
                                   % (cid[:12], st.exit_code))
            return
        if time.monotonic() > end:
            raise RuntimeError("container %s still running after %g s"
                               % (cid[:12], cl.timeout))
        time.sleep(0.05)


def cmd_pod(cl, args):
    results = [{} for _ in range(args.pods)]
    errors = []

    def one(i):
        try:
            run_pod(cl, args, "%s-%d-%d" % (args.name, os.getpid(), i),
                    results[i])
        except Exception as e:  # reported below, after every pod ended
            errors.append("pod %d: %s" % (i, e))

    threads = [threading.Thread(target=one, args=(i,))
               for i in range(args.pods)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out = open(args.rpcs_out, "w") if args.rpcs_out else sys.stdout
    for r in results:
        print(json.dumps(r), file=out)
    out.flush()
    if errors:
        sys.exit("cri.py: " + "; ".join(errors))


def cmd_pull(cl, args):
    """Every ref at once, a thread each (kubelet's parallel pulls)."""
    pb = cl.pb
    spans = [None] * len(args.refs)
    errors = []

    def one(i):
        try:
            t0 = time.time_ns()
            cl.images.PullImage(pb.PullImageRequest(
                image=pb.ImageSpec(image=args.refs[i])), timeout=cl.timeout)
            spans[i] = (t0, time.time_ns())
        except Exception as e:  # reported below, after every pull ended
            errors.append("%s: %s" % (args.refs[i], e))

    threads = [threading.Thread(target=one, args=(i,))
               for i in range(len(args.refs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        sys.exit("cri.py: " + "; ".join(errors))
    for t0, t1 in spans:
        print(t0, t1)


def cmd_rmi(cl, args):
    pb = cl.pb
    for ref in args.refs:
        cl.images.RemoveImage(pb.RemoveImageRequest(
            image=pb.ImageSpec(image=ref)), timeout=cl.timeout)


def cmd_cleanup(cl, args):
    pb, log = cl.pb, []
    for p in cl.stub.ListPodSandbox(pb.ListPodSandboxRequest(),
                                    timeout=cl.timeout).items:
        cl.call(log, "StopPodSandbox",
                pb.StopPodSandboxRequest(pod_sandbox_id=p.id), p.id)
        cl.call(log, "RemovePodSandbox",
                pb.RemovePodSandboxRequest(pod_sandbox_id=p.id), p.id)
    print("cri.py: removed %d pod(s)" % (len(log) // 2), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sock", required=True, help="containerd's socket")
    ap.add_argument("--gen-dir", default=None,
                    help="where the generated stubs go (default: a temp dir)")
    ap.add_argument("--timeout", type=float, default=60)
    sub = ap.add_subparsers(dest="action", required=True)
    p = sub.add_parser("pod")
    p.add_argument("--runtime", default="runc", help="runtime handler")
    p.add_argument("--containers", type=int, default=2)
    p.add_argument("--pods", type=int, default=1, help="started at once")
    p.add_argument("--name", default="ct-pod")
    p.add_argument("--image", default="docker.io/coldtrace/busybox:latest")
    p.add_argument("--cmd", default="sleep 30",
                   help="each container's sh -c ({i}: its index)")
    p.add_argument("--hold", type=float, default=0.5,
                   help="seconds between the last start and the first stop")
    p.add_argument("--stop-timeout", type=int, default=0)
    p.add_argument("--wait-exit", action="store_true",
                   help="before the hold, wait until each container's "
                   "program has exited (status 0)")
    p.add_argument("--log-dir", default="/tmp")
    p.add_argument("--rpcs-out", default=None,
                   help="file for the pods' JSON (default: stdout)")
    p = sub.add_parser("pull")
    p.add_argument("refs", nargs="*", help="the images (none: only the stubs)")
    p = sub.add_parser("rmi")
    p.add_argument("refs", nargs="*")
    sub.add_parser("cleanup")
    args = ap.parse_args()
    gen = args.gen_dir
    if gen is None:
        import tempfile
        gen = tempfile.mkdtemp(prefix="cri-gen.")
    pb, pb_grpc = load_stubs(gen)
    cl = Client(args.sock, pb, pb_grpc, args.timeout)
    {"pod": cmd_pod, "pull": cmd_pull, "rmi": cmd_rmi,
     "cleanup": cmd_cleanup}[args.action](cl, args)


if __name__ == "__main__":
    main()
