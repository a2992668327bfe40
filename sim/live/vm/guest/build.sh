#!/bin/sh
# Builds the live-mode guest from Debian packages: the cloud kernel and a busybox initrd whose
# /init reports on the serial console. Cached: a second run with the same inputs does nothing.
# Usage: build.sh [DIR]   (default $VIRTUOSO_GUEST_DIR, else ~/.cache/virtuoso/guest)
# Writes DIR/vmlinuz, DIR/initrd.gz and DIR/stamp; prints DIR.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-${VIRTUOSO_GUEST_DIR:-${HOME:-/root}/.cache/virtuoso/guest}}
# The stamp names the inputs: a changed /init rebuilds the initrd.
want="$(cat "$here/init" "$here/build.sh" "$here/bsp.c" "$here/dirty.c" "$here/ping.c" | cksum | cut -d' ' -f1)"
if [ -f "$dir/stamp" ] && [ "$(cat "$dir/stamp")" = "$want" ] && [ -f "$dir/vmlinuz" ] && [ -f "$dir/initrd.gz" ]; then
  echo "$dir"; exit 0
fi
for c in apt-get dpkg-deb gzip gcc; do
  command -v $c >/dev/null 2>&1 || { echo "build.sh: $c is needed to build the guest" >&2; exit 1; }
done
mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
# The metapackage names the current kernel package; fetch both it and busybox.
apt-get download -qq linux-image-cloud-amd64 busybox-static 2>/dev/null >/dev/null || apt-get download linux-image-cloud-amd64 busybox-static >&2
kpkg=$(dpkg-deb -f linux-image-cloud-amd64_*.deb Depends | sed 's/ .*//; s/,.*//')
apt-get download -qq "$kpkg" 2>/dev/null >/dev/null || apt-get download "$kpkg" >&2
mkdir x
for d in ./*.deb; do dpkg-deb -x "$d" x; done
mkdir -p root/bin root/proc root/sys root/dev root/lib/modules
cp x/bin/busybox root/bin/busybox
for a in sh mount echo cat sleep insmod ip uname poweroff; do ln -s busybox root/bin/$a; done
# virtio-net for the guest's network (loaded by /init when a NIC is present).
kdir=$(ls -d x/lib/modules/*)
for m in drivers/virtio/virtio.ko drivers/virtio/virtio_ring.ko drivers/virtio/virtio_pci_modern_dev.ko drivers/virtio/virtio_pci_legacy_dev.ko drivers/virtio/virtio_pci.ko net/core/failover.ko drivers/net/net_failover.ko drivers/net/virtio_net.ko; do
  [ -f "$kdir/kernel/$m" ] && cp "$kdir/kernel/$m" root/lib/modules/
done
# The BSP rank program: static, so the initrd needs no libc (gcc and libc6-dev build it).
gcc -static -O2 -o root/bin/bsp "$here/bsp.c"
strip root/bin/bsp 2>/dev/null || true
cp "$here/init" root/init
# The memory dirtier (virtuoso.work=dirty), for the migration measurements.
gcc -static -O2 -o root/bin/dirty "$here/dirty.c"
# The pinger (virtuoso.ping=ADDR,...): a migrating VM's network-visible outage, seen from a peer.
gcc -static -O2 -o root/bin/ping "$here/ping.c"
chmod 755 root/init
# busybox makes the cpio archive: no cpio package needed.
(cd root && find . | ../x/bin/busybox cpio -o -H newc 2>/dev/null | gzip -9) > "$dir/initrd.gz.tmp"
cp x/boot/vmlinuz-* "$dir/vmlinuz.tmp"
mv "$dir/initrd.gz.tmp" "$dir/initrd.gz"
mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
echo "$want" > "$dir/stamp"
echo "$dir"
