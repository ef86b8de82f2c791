#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# /init of the vmtest initramfs (busybox sh): load the modules listed in
# /modules (in order), mount the root disk (/dev/vda, ext4) and the
# shared folder (9p tag "vmtest") and hand over to the guest's init,
# tools/vmtest/guest-init.sh from the shared folder.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "vmtest-init: $(uname -r), loading $(wc -l </modules) modules"
while read -r m; do
	insmod "$m" || echo "vmtest-init: insmod $m failed"
done </modules
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
mount -t ext4 /dev/vda /newroot || { echo "vmtest-init: no root disk"; exec sh; }
mkdir -p /newroot/mnt/vmtest
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=none vmtest \
	/newroot/mnt/vmtest || { echo "vmtest-init: no shared folder"; exec sh; }
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /mnt/vmtest/tools/vmtest/guest-init.sh
