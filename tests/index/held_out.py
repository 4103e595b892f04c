"""Held-out reports for measuring similar_tickets: new tickets of each seeded family's cause
(sandbox/families.py), worded as a user would, not in the words the seed writes them with."""

from __future__ import annotations

HELD_OUT: tuple[tuple[str, str], ...] = (
    ("kyocera-driver", "Our Kyocera is printing pages of weird symbols instead of my report"),
    ("kyocera-driver", "Gibberish coming out of the TASKalfa, wasting paper on every print job"),
    ("globalprotect", "GlobalProtect spins forever and never finishes connecting"),
    ("globalprotect", "Working from home: the GlobalProtect VPN won't establish since it upgraded"),
    ("expired-certificate", "Chrome warns the intranet is not secure, certificate invalid"),
    ("expired-certificate", "Staff portal blocked by a cert error in every browser"),
    ("mailbox-full", "My inbox is over quota and emails won't send"),
    ("mailbox-full", "Messages to Karen bounce saying her mailbox is full"),
    ("trust-relationship", "Cannot sign in to the domain, trust relationship failed message"),
    ("trust-relationship", "Workstation lost domain trust after restoring an image"),
    ("scan-to-email", "The copier can't email scanned documents anymore, SMTP error"),
    ("scan-to-email", "Scanning to my email fails on the multifunction printer"),
    ("bitlocker-recovery", "Laptop boots to a recovery key prompt, BitLocker locked"),
    ("bitlocker-recovery", "After firmware update my notebook asks for a BitLocker key"),
    ("onedrive-sync", "OneDrive won't finish syncing, files pending upload for days"),
    ("onedrive-sync", "Red X on OneDrive folders, sync stuck"),
    ("dock-monitors", "Both screens on my docking station stay black"),
    ("dock-monitors", "Monitors not recognised through the Dell dock"),
    ("excel-addin", "Excel closes by itself whenever I open a workbook"),
    ("excel-addin", "Excel not responding then crashes on every spreadsheet"),
)
