# ruff: noqa: E501
# (The family table below is prose; wrapping its lines would hurt reading.)
"""Families of seeded tickets that share one cause, each ticket worded its own way.

A desk sees the same fault again and again (a printer driver, a VPN client, an expired
certificate, a full mailbox), reported by different people in different words, and fixed the
same way each time. `similar_tickets` is measured on these: a new report of a known cause should
find the earlier tickets of its family and the reply that named the fix.

Seeding rewrites some resolved tickets into family members after the ordinary seed: their title,
description, technician replies and resolution (some resolutions are internal notes). It draws
from its own random stream, so every other seeded value is the same with or without it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from atera_mcp.sandbox.records import Comment, Contact, Ticket, apply_comment


@dataclass(frozen=True, slots=True)
class Family:
    key: str
    titles: tuple[str, ...]
    openers: tuple[str, ...]  # the first sentence of a description
    details: tuple[str, ...]  # what else the reporter noticed
    updates: tuple[str, ...]  # a technician's reply while working on it
    fixes: tuple[str, ...]  # the resolution: names the fix


FAMILIES: tuple[Family, ...] = (
    Family(
        "kyocera-driver",
        (
            "Kyocera printing garbled pages",
            "Printouts from the Kyocera are full of random symbols",
            "{first} gets gibberish from the Kyocera copier",
            "Kyocera TASKalfa prints strange characters instead of documents",
            "Garbage output on the Kyocera since the driver update",
        ),
        (
            "Every job I send to the Kyocera comes out as pages of random characters.",
            "Since Tuesday the Kyocera prints nonsense symbols, dozens of pages per job.",
            "PDFs sent to the TASKalfa print as garbled text and waste a ream of paper.",
            "The Kyocera copier spits out pages of gibberish when I print from Word.",
        ),
        (
            "Other printers work fine.",
            "Windows installed a new KX driver overnight, I think.",
            "It only happens with the Kyocera.",
            "Colleagues on the same floor see the same thing.",
        ),
        (
            "Looking at the Kyocera driver version on the print server now.",
            "The KX driver was updated by Windows Update; checking the release notes.",
        ),
        (
            "Rolled the Kyocera KX driver back to 8.3 on the print server and blocked the driver update; printing is clean again.",
            "Fixed by replacing the Kyocera KX 8.4 driver with the Kyocera universal driver and re-pushing the print queue.",
            "The KX driver 8.4 update caused the garbled output; reinstalled KX 8.3 and paused driver updates for the Kyocera queue.",
        ),
    ),
    Family(
        "globalprotect",
        (
            "GlobalProtect stuck on connecting",
            "GlobalProtect will not connect after the update",
            "{first} cannot get on GlobalProtect from home",
            "Remote access client hangs at 'Connecting...'",
            "GlobalProtect portal keeps spinning",
        ),
        (
            "The GlobalProtect agent sits on 'Connecting' forever and never reaches the portal.",
            "After this morning's update GlobalProtect just spins and times out.",
            "I can't reach the office network from home, the GlobalProtect icon stays grey.",
            "GlobalProtect asks for my login, then shows 'Still working...' indefinitely.",
        ),
        (
            "Internet at home is fine.",
            "It started right after the client upgraded itself to 6.2.",
            "Rebooting the laptop did not help.",
            "My colleague on the old version can still connect.",
        ),
        (
            "Checking the GlobalProtect client version and the portal logs.",
            "This looks like the 6.2 client issue; collecting the PanGPS log.",
        ),
        (
            "Uninstalled GlobalProtect 6.2, installed 6.1.4 and cleared the cached portal settings; the tunnel comes up.",
            "Downgraded the GlobalProtect agent to 6.1.4 and deleted the PanPortalCfg cache; connected on the first try.",
            "GlobalProtect 6.2 breaks the portal handshake here; reinstalled 6.1.4 and set the portal to block agent upgrades.",
        ),
    ),
    Family(
        "expired-certificate",
        (
            "Intranet says 'Your connection is not private'",
            "Certificate warning on the intranet site",
            "Browser blocks the company portal with a security warning",
            "{first} gets NET::ERR_CERT_DATE_INVALID on the staff portal",
            "Staff portal shows an invalid certificate error",
        ),
        (
            "Opening the intranet in Chrome shows 'Your connection is not private' and I can't continue.",
            "Edge warns that the staff portal's certificate is not valid and blocks the page.",
            "Everyone gets a red security warning when opening the company portal this morning.",
            "The HR portal shows NET::ERR_CERT_DATE_INVALID on every browser.",
        ),
        (
            "It worked fine last week.",
            "The error mentions the certificate date.",
            "Same on phones and laptops.",
            "Clicking Advanced does not offer a way through.",
        ),
        (
            "Checking the certificate bound to the portal site.",
            "The site certificate looks out of date; confirming its expiry.",
        ),
        (
            "The wildcard TLS certificate had expired; renewed it, bound the new certificate in IIS and restarted the site.",
            "Renewed the expired SSL certificate for the portal, imported it on the web server and updated the IIS binding.",
            "Expired wildcard certificate replaced in IIS; added the new expiry to the renewal calendar.",
        ),
    ),
    Family(
        "mailbox-full",
        (
            "Mailbox full, cannot send email",
            "{first} gets 'mailbox is full' warnings",
            "Outlook says my mailbox has exceeded its quota",
            "Emails bouncing back: recipient mailbox full",
            "Can't send or receive, storage limit reached",
        ),
        (
            "Outlook shows a red bar saying my mailbox is full and I can no longer send.",
            "People tell me their emails to me bounce with 'mailbox full'.",
            "I keep getting warnings that my mailbox is over its size limit.",
            "Outlook refuses to send: 'Your mailbox has exceeded the maximum size'.",
        ),
        (
            "I have years of attachments in there.",
            "I already emptied Deleted Items.",
            "I need email for a client deadline today.",
            "The warning started last week and now it blocks sending.",
        ),
        (
            "Checking the mailbox size and quota in the Exchange admin center.",
            "The mailbox is at 49.9 of 50 GB; looking at archiving options.",
        ),
        (
            "Enabled the online archive and auto-expanding archiving, applied a 2-year move-to-archive policy; the mailbox is back under quota.",
            "Mailbox was at its 50 GB quota; turned on the In-Place Archive with a retention policy and ran the Managed Folder Assistant.",
            "Freed space by enabling the archive mailbox and moving old items to it; send and receive work again.",
        ),
    ),
    Family(
        "trust-relationship",
        (
            "Trust relationship between workstation and domain failed",
            "{first} can't log in: trust relationship error",
            "Domain login fails on one PC after restore",
            "Sign-in error: the trust relationship failed",
            "PC lost its connection to the domain",
        ),
        (
            "At the login screen I get 'The trust relationship between this workstation and the primary domain failed'.",
            "My PC won't let me sign in with my work account, it complains about the domain trust.",
            "After the PC was restored from a backup nobody can log on to it with a domain account.",
            "Windows says the security database on the server does not have a computer account for this workstation trust.",
        ),
        (
            "A local account still works.",
            "The machine was off for a few months.",
            "Other PCs in the office are fine.",
            "It happened after a system restore.",
        ),
        (
            "Checking the computer account in Active Directory.",
            "The machine password is probably out of sync with the domain.",
        ),
        (
            "Reset the computer's machine account password with Reset-ComputerMachinePassword from a local admin session; domain logins work.",
            "Removed the PC from the domain and rejoined it, which reset the secure channel; user signed in fine.",
            "Repaired the secure channel with Test-ComputerSecureChannel -Repair; the trust relationship is restored.",
        ),
    ),
    Family(
        "scan-to-email",
        (
            "Scan to email stopped working on the copier",
            "Copier cannot send scans by email",
            "{first}'s scans never arrive in the inbox",
            "Multifunction printer: SMTP send error when scanning",
            "Scanner emails fail with authentication error",
        ),
        (
            "Scanning to email from the copier shows 'send error' and nothing arrives.",
            "The multifunction device says 'SMTP authentication failed' when I scan a document to myself.",
            "Since last week scanned documents are no longer emailed from the copier.",
            "The scanner's email job fails with error 535 after a minute.",
        ),
        (
            "Scan to USB still works.",
            "Nothing was changed on the copier.",
            "The whole office uses this for invoices.",
            "It used to send from the scanner@ address.",
        ),
        (
            "Checking the copier's SMTP settings against Microsoft 365.",
            "Basic SMTP auth looks disabled for the scanner account.",
        ),
        (
            "Microsoft 365 turned off basic SMTP authentication; set up an SMTP relay connector for the copier's IP and pointed the scanner at it.",
            "Created an Exchange Online inbound connector (relay by IP) and reconfigured scan to email on port 25; scans arrive again.",
            "Switched the copier from SMTP AUTH to the new relay connector since basic auth was retired; test scan delivered.",
        ),
    ),
    Family(
        "bitlocker-recovery",
        (
            "Laptop asks for BitLocker recovery key",
            "{first} stuck at BitLocker recovery screen",
            "Blue screen wants a 48-digit recovery key",
            "BitLocker recovery prompt after BIOS update",
            "Can't boot: BitLocker recovery required",
        ),
        (
            "My laptop shows a blue BitLocker screen asking for a recovery key before Windows starts.",
            "After last night's update the laptop wants a 48-digit key to unlock the drive.",
            "The laptop won't boot past a screen asking for the BitLocker recovery key.",
            "I restarted for updates and now it asks me to enter the recovery key for drive C.",
        ),
        (
            "I don't have any key written down.",
            "A firmware update ran during the restart.",
            "It is my only work computer.",
            "The key ID starts with 4F2A.",
        ),
        (
            "Looking up the device's recovery key in Entra ID.",
            "This is the TPM reset after the firmware update.",
        ),
        (
            "Read the BitLocker recovery key from the device record in Entra ID, unlocked the drive, and suspended BitLocker for the pending BIOS updates.",
            "Unlocked with the recovery key stored in Entra ID; the BIOS update had reset the TPM. Set the update policy to suspend BitLocker before firmware installs.",
            "Recovery key retrieved from Intune and entered; suspended protection, re-sealed the TPM and the laptop boots normally.",
        ),
    ),
    Family(
        "onedrive-sync",
        (
            "OneDrive stuck on 'Processing changes'",
            "OneDrive not syncing files for {first}",
            "Files won't upload to OneDrive, sync pending",
            "OneDrive sync errors with red crosses",
            "OneDrive keeps saying sync is paused",
        ),
        (
            "OneDrive has been 'Processing changes' for two days and my files are not uploading.",
            "The OneDrive icon shows red crosses on several folders and nothing syncs.",
            "Documents I save on my laptop never show up on the web version of OneDrive.",
            "OneDrive says it can't sync some files and the count of pending items keeps growing.",
        ),
        (
            "Some of the folders have very long names.",
            "We moved the department folders last week.",
            "I have around 80,000 files synced.",
            "Teams files are affected too.",
        ),
        (
            "Checking the OneDrive sync log for the failing files.",
            "Several paths are over the length limit; listing them.",
        ),
        (
            "Renamed files with invalid characters and shortened paths over 400 characters, then reset the OneDrive client with onedrive.exe /reset; sync completed.",
            "Reset OneDrive and fixed the file names it rejected (trailing spaces, # and % in names); all items are up to date.",
            "Cleared the OneDrive cache with a client reset and shortened the deep folder paths; the pending queue emptied.",
        ),
    ),
    Family(
        "dock-monitors",
        (
            "External monitors not detected on the dock",
            "{first}'s screens stay black when docked",
            "Docking station: second monitor no signal",
            "WD19 dock monitors keep flickering off",
            "Displays disconnect when laptop is docked",
        ),
        (
            "When I plug my laptop into the dock both external monitors say 'no signal'.",
            "The monitors on my docking station flicker and go black every few minutes.",
            "Only the laptop screen works, the dock's displays are not detected in display settings.",
            "My second monitor on the Dell dock stopped working after the weekend.",
        ),
        (
            "USB devices on the dock still work.",
            "The cables were swapped and it's the same.",
            "Another laptop works on the same dock.",
            "It started after a driver update.",
        ),
        (
            "Checking the dock firmware and the DisplayLink driver version.",
            "The WD19 firmware is quite old; preparing the update.",
        ),
        (
            "Updated the Dell WD19 dock firmware and the DisplayLink driver; both monitors are detected and stable.",
            "Flashed the docking station firmware to the latest release and reinstalled the DisplayLink graphics driver; screens come up on docking.",
            "Dock firmware update plus a clean DisplayLink driver reinstall fixed the black screens.",
        ),
    ),
    Family(
        "excel-addin",
        (
            "Excel crashes when opening spreadsheets",
            "Excel freezes and closes on startup",
            "{first}'s Excel stops responding with every file",
            "Excel keeps crashing since yesterday",
            "Spreadsheets crash Excel right after opening",
        ),
        (
            "Excel opens, freezes for a few seconds and closes without any error.",
            "Every workbook I open makes Excel stop responding and restart.",
            "Excel crashes as soon as I open a file from the shared drive.",
            "The event log shows Excel faulting module each time it starts.",
        ),
        (
            "Word and Outlook are fine.",
            "Safe mode seems to work.",
            "I installed the PDF tools last week.",
            "It happens with brand-new blank workbooks too.",
        ),
        (
            "Starting Excel in safe mode to rule out add-ins.",
            "Safe mode is stable, so an add-in is the suspect.",
        ),
        (
            "The Acrobat PDFMaker COM add-in was crashing Excel; disabled it under COM Add-ins and Excel is stable.",
            "Disabled the faulty COM add-in (Adobe PDFMaker) via the registry LoadBehavior key; no more crashes.",
            "Excel ran fine in safe mode; turned off the PDFMaker add-in and repaired Office, workbooks open normally.",
        ),
    ),
)


def members_per_family(tickets: int) -> int:
    """How many tickets each family gets: a few in a small sandbox, about 2% of a large one."""
    return max(3, tickets // 500)


def apply_families(
    rnd: random.Random, tickets: dict[int, Ticket], contacts: dict[int, Contact]
) -> dict[int, str]:
    """Rewrite some resolved tickets (those a technician resolved with a reply) into family
    members; returns ticket id -> family key. Only `rnd` is drawn from."""
    candidates = [
        t for t in tickets.values() if t.resolved is not None and t.technician_id is not None
    ]
    wanted = min(len(candidates), members_per_family(len(tickets)) * len(FAMILIES))
    chosen = rnd.sample(candidates, wanted)
    members: dict[int, str] = {}
    for n, ticket in enumerate(chosen):
        family = FAMILIES[n % len(FAMILIES)]
        _rewrite(rnd, ticket, family, contacts[ticket.end_user_id].first_name or "I")
        members[ticket.id] = family.key
    return dict(sorted(members.items()))


def _rewrite(rnd: random.Random, ticket: Ticket, family: Family, first: str) -> None:
    ticket.title = rnd.choice(family.titles).format(first=first)
    opener, detail = rnd.choice(family.openers), rnd.choice(family.details)
    ticket.description = f"{opener} {detail}"
    resolved = ticket.resolved
    assert resolved is not None
    resolution = max(
        (c for c in ticket.comments if c.technician_id is not None and c.date <= resolved),
        key=lambda c: c.date,
    )
    old, ticket.comments = ticket.comments, []
    ticket.last_end_user_comment = ticket.last_end_user_comment_at = None
    ticket.last_technician_comment = ticket.last_technician_comment_at = None
    ticket.technician_first_comment = None
    for index, comment in enumerate(old):
        text = comment.text
        internal = comment.is_internal
        if index == 0:
            text = ticket.description  # the request itself
        elif comment is resolution:
            text = rnd.choice(family.fixes)
            internal = rnd.random() < 0.3  # some fixes are written down as internal notes only
        elif comment.technician_id is not None:
            text = rnd.choice(family.updates)
        apply_comment(
            ticket,
            Comment(comment.date, text, comment.end_user_id, comment.technician_id, internal),
        )
