#!/usr/bin/env node
// The README's first command. The full demo (a throwaway netns lab with real BIRD where
// fibwarden plans and applies, with visible before/after) lands with the end-to-end lab issue.
process.stderr.write(
  "fibwarden demo: not yet available.\n" +
  "When complete it will: install bird2/iproute2/nftables if missing, build fibwarden, build a\n" +
  "two-uplink lab of network namespaces with real BIRD, show a client failing to reach a VIP,\n" +
  "print `fibwarden reconcile --plan`, apply it, show the client connecting, and tear down.\n",
);
process.exitCode = 1;
