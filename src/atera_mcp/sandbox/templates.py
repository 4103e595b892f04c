# ruff: noqa: E501
# (The template table below is prose; wrapping its lines would hurt reading.)
"""Ticket templates the seed writes tickets from, kept as readable text blocks.

Each block is a header line `[key] Type weights(L,M,H,C) impacts weight` followed by lines
tagged T (title), D (description), U (public technician update), N (internal note) and
R (resolution). Placeholders: {first} {last} {customer} {device} {server} {printer} {newhire}
{day}.
"""

from __future__ import annotations

from dataclasses import dataclass

from atera_mcp.domain.wire import IMPACTS, TICKET_TYPES


@dataclass(frozen=True, slots=True)
class Template:
    key: str
    type: str
    priority_weights: tuple[int, int, int, int]  # Low, Medium, High, Critical
    impacts: tuple[str, ...]
    weight: int
    titles: tuple[str, ...]
    descriptions: tuple[str, ...]
    updates: tuple[str, ...]
    notes: tuple[str, ...]
    resolutions: tuple[str, ...]


_TEXT = """
[outlook] Problem 20,55,22,3 NoImpact,Minor 10
T Outlook keeps asking {first} for a password
T Outlook not syncing new mail on {device}
D Since this morning Outlook on {device} keeps popping up a password prompt. I type my password and it comes back a minute later. Webmail works fine.
D My Outlook stopped receiving new emails around 9am. Send/receive just spins. Can someone take a look?
U I have connected to {device} and rebuilt your Outlook profile; please restart Outlook and let me know if the prompt comes back.
N Credential manager had stale modern-auth tokens. Cleared them and re-created the OST.
R Outlook profile rebuilt and cached credentials cleared; mail is syncing normally.

[vpn] Incident 10,45,35,10 Minor,Major 8
T VPN won't connect from home for {first} {last}
T {customer}: remote users cannot connect to VPN
D I'm working from home today and the VPN client says "connection attempt failed". It worked yesterday. I need access to the shared drive on {server}.
D Several of us can't get on the VPN this morning, the client times out after 30 seconds.
U The VPN gateway certificate had expired overnight; I have renewed it. Please try connecting again.
N Renewed the SSL VPN certificate on the firewall and restarted the service. Added a calendar reminder 30 days before next expiry.
R VPN certificate renewed and clients reconnected successfully.

[printer] Problem 40,45,12,3 NoImpact,Minor 9
T Printer offline: {printer}
T Print jobs stuck in queue on {device}
D Nobody can print to {printer} since yesterday afternoon. It shows offline on my PC but the printer itself says ready.
D Jobs from {device} sit in the queue and never print. I've tried turning the printer off and on.
U The printer had picked up a new IP address from DHCP. I've set a reservation and updated the port on the print server.
N Created DHCP reservation and updated the TCP/IP port on {server}. Cleared the spooler on {device}.
R Printer reachable again after DHCP reservation; test page printed.

[mfa] Request 30,50,15,5 NoImpact 6
T Set up MFA on new phone for {first} {last}
T MFA prompts not arriving for {first}
D I got a new phone and the Authenticator app no longer has my work account. Can you reset my MFA so I can register again?
D I'm not getting the sign-in approval notifications on my phone anymore and I'm locked out of Teams and email.
U I've reset your MFA registration. Next time you sign in you'll be asked to set up the Authenticator app again.
N Required re-registration of MFA in Entra ID after verifying identity by callback to the number on file.
R MFA methods reset and user re-registered the Authenticator app.

[onboarding] Request 25,60,15,0 NoImpact 7
T New hire onboarding: {newhire} starting {day}
T Account and laptop setup for new employee {newhire}
D We have a new employee, {newhire}, starting on {day}. They need an email account, a laptop, access to the shared drive and the accounting software.
D Please set up {newhire} for {day}: Microsoft 365 account, same permissions as {first}, and a laptop.
U Accounts for {newhire} are created and the laptop is imaged. I'll drop it off before {day} and walk them through sign-in.
N Assigned M365 Business Premium license, added to security groups, enrolled laptop in Intune.
R New hire accounts, license and laptop delivered and tested.

[offboarding] Request 40,50,10,0 NoImpact 3
T Offboarding: disable account for {newhire}
D {newhire} left the company on Friday. Please disable their account, forward their email to me and collect the laptop.
U The account is disabled and mail is forwarding to you. The mailbox has been converted to a shared mailbox.
N Converted mailbox to shared, removed license, wiped laptop and returned it to stock.
R User offboarded: account disabled, mailbox converted, license reclaimed.

[backup] Incident 5,35,45,15 ServerIssue,Minor 6
T Backup failed on {server}
T Nightly backup job failed for {customer}
D Alert: the nightly backup job for {server} failed with "VSS snapshot could not be created". Last successful backup was two days ago.
D We received a backup failure email again last night for {server}.
U The backup failed because the VSS writer for SQL was stuck. I've restarted it and run a manual backup which completed.
N VSS SqlServerWriter in failed state. Restarted SQL VSS Writer service, manual job OK. Monitoring tonight's run.
R Backup job completed successfully after VSS writer repair; nightly schedule verified.

[disk] Incident 15,45,35,5 ServerIssue,NoImpact 6
T Disk space alert: C: drive below 10% on {server}
T Low disk space on {device}
D Atera alert: disk C: on {server} has less than 10% free space remaining.
D My computer {device} says the disk is almost full and it's running very slow.
U I've cleared old update files and temp data; the drive now has plenty of free space.
N Ran disk cleanup, removed old IIS logs and WinSxS superseded components. Recovered 38 GB.
R Disk space recovered and alert threshold cleared.

[password] Request 35,55,10,0 NoImpact 10
T Password reset for {first} {last}
T {first} locked out of account
D I forgot my password after the holiday and I'm locked out. Can you reset it please?
D My account got locked after too many attempts, I can't log in to {device}.
U Your account is unlocked and I've set a temporary password; you'll be asked to change it at first sign-in.
N Verified caller by phone, unlocked AD account and forced password change at next logon.
R Account unlocked and password reset.

[teams] Problem 30,50,17,3 NoImpact,Minor 6
T Teams calls dropping for {first}
T Microsoft Teams won't open on {device}
D Every Teams meeting I join drops after a few minutes and the audio is choppy.
D Teams just shows a white screen when I open it on {device}.
U I cleared the Teams cache and reinstalled the new Teams client. Please try your next meeting and let me know.
N Cleared %appdata% Teams cache, reinstalled client, updated audio driver.
R Teams cache cleared and client reinstalled; calls stable.

[firewall] Change 20,50,25,5 NoImpact,Minor 4
T Firewall firmware update for {customer}
T Open port on firewall for new phone system
D Please schedule the firmware update on our firewall, the vendor says the current version has a security issue.
D Our phone vendor needs ports opened on the firewall for the new VoIP system going live {day}.
U The change is scheduled for after hours on {day}; expect a few minutes of internet downtime.
N Config backed up before the change. Applied firmware, verified VPN tunnels and rules.
R Firewall change applied after hours and verified.

[laptop] Request 35,50,15,0 NoImpact 5
T Laptop replacement for {first} {last}
T {device} is very slow, request replacement
D The hinge on my laptop broke and the screen is flickering. Can we get a replacement?
D My laptop {device} is over five years old and takes ten minutes to boot.
U The new laptop is ordered; I'll migrate your files and set it up when it arrives.
N Quote approved by office manager. Ordered via distributor; data migration planned.
R Replacement laptop deployed and data migrated; old device wiped.

[license] Request 45,45,10,0 NoImpact 5
T Microsoft 365 license for {newhire}
T Need Visio license for {first}
D We need another Microsoft 365 license for {newhire}, please add one to our subscription.
D Can I get a Visio license? I need it for the floor plans.
U I've added the license to your subscription and assigned it; it may take a few minutes to appear.
N Increased license count by one in the partner portal; billing updated on next invoice.
R License purchased and assigned.

[wifi] Problem 20,50,25,5 Minor,NoImpact 5
T Wi-Fi slow in the office at {customer}
T {device} keeps disconnecting from Wi-Fi
D The Wi-Fi in the conference room is really slow and keeps dropping during video calls.
D My laptop {device} drops off the wireless every hour or so.
U One access point was on a crowded channel. I've changed the channel plan and updated its firmware.
N AP in conference room on channel 6 with heavy interference; moved to 11, firmware updated.
R Wireless channel plan adjusted; connectivity stable.

[internet] Incident 0,10,40,50 SiteDown,Crisis 3
T Internet down at {customer}
T Whole office offline at {customer}
D The whole office has no internet since about 8:30. Phones are down too. Please help ASAP.
D Nothing works, no email, no internet, no phones.
U The ISP has confirmed an outage in your area. I've switched you to the LTE backup link while they fix it.
N ISP ticket opened; failover to LTE enabled on firewall. Will revert when circuit is restored.
R ISP circuit restored; failover reverted and all services confirmed.

[phishing] Incident 5,30,45,20 Minor,Major 4
T Possible phishing: {first} clicked a link
T Suspicious email reported by {first} {last}
D I got an email that looks like it's from our bank asking me to log in. I think I clicked the link before I noticed.
D Several people received an invoice email from a vendor we don't use, with an attachment.
U I've reset your password, revoked your sessions and removed the message from all mailboxes.
N Checked sign-in logs, no successful foreign logins. Purged message tenant-wide, blocked sender domain.
R Phishing message purged, credentials rotated, no compromise found.

[software] Request 60,35,5,0 NoImpact 5
T Install Adobe Acrobat on {device}
T Software install request for {first}
D Can you please install Adobe Acrobat Pro on my computer {device}? I need to edit PDFs.
D I need the new version of our scheduling software installed.
U The software is installed on {device}; you'll find it in the Start menu.
N Deployed via Atera software management; license key stored in IT Glue.
R Software installed and licensed.

[share] Request 40,50,10,0 NoImpact 4
T Access to shared folder for {first} {last}
T Cannot open files on {server}
D I need access to the Finance folder on {server}, my manager approved it.
D When I open files on the shared drive it says access denied.
U You've been added to the group for that folder. Please sign out and back in to pick up the change.
N Added user to the Finance-RW group after approval from the office manager.
R Share permissions granted and verified.

[quickbooks] Problem 20,50,25,5 Minor,NoImpact 4
T QuickBooks error when opening company file
T Accounting software won't start on {device}
D QuickBooks says the company file is in use and won't open. Nobody else is in it.
D I get an error H202 when opening our company file on {device}.
U The database server manager service on {server} had stopped. I've restarted it and set it to start automatically.
N QBDBMgrN service stopped after Windows updates; set recovery options to restart service.
R Database service restored; company file opens for all users.

[updates] Problem 40,45,15,0 NoImpact 4
T Windows updates failing on {device}
D My computer keeps saying updates failed and restarts every night.
U I've repaired the update components and installed the pending updates; it should stop restarting now.
N Ran DISM and SFC, reset SoftwareDistribution folder, patches applied via Atera.
R Windows Update repaired and pending patches installed.

[server] Incident 0,15,45,40 ServerIssue,SiteDown,Crisis 3
T {server} is not responding
T File server down at {customer}
D Nobody can reach the shared drive on {server} and the accounting software won't open.
D The server seems to be down, we can't access anything.
U The server was hung after a failed driver update. I've restarted it and rolled back the driver; everything is reachable again.
N Rolled back RAID controller driver; scheduled hardware check with vendor.
R Server restored after driver rollback; all shares reachable.

[scanner] Problem 45,45,10,0 NoImpact 3
T Scan to email not working on {printer}
D Scanning to email from {printer} stopped working; it says "SMTP error".
U The copier was using an old mail server setting. I've updated it to use the Microsoft 365 relay.
N Reconfigured SMTP relay connector and copier address book.
R Scan-to-email restored via the Microsoft 365 relay.
"""


def _parse(text: str) -> tuple[Template, ...]:
    templates: list[Template] = []
    for block in text.strip().split("\n\n"):
        header, *lines = block.strip().splitlines()
        key, kind, weights, impacts, weight = header.split()
        tagged: dict[str, list[str]] = {tag: [] for tag in "TDUNR"}
        for line in lines:
            tagged[line[0]].append(line[2:])
        low, medium, high, critical = (int(w) for w in weights.split(","))
        impact_names = tuple(impacts.split(","))
        # A typo in the table must fail at import, not produce an invalid wire value.
        if kind not in TICKET_TYPES or not set(impact_names) <= set(IMPACTS):
            raise ValueError(f"bad template header: {header}")
        templates.append(
            Template(
                key=key.strip("[]"),
                type=kind,
                priority_weights=(low, medium, high, critical),
                impacts=impact_names,
                weight=int(weight),
                titles=tuple(tagged["T"]),
                descriptions=tuple(tagged["D"]),
                updates=tuple(tagged["U"]),
                notes=tuple(tagged["N"]),
                resolutions=tuple(tagged["R"]),
            )
        )
    return tuple(templates)


TEMPLATES = _parse(_TEXT)

# Generic conversation lines, for any ticket.
END_USER_FOLLOWUPS = (
    "Thanks, any update on this?",
    "It happened again just now.",
    "I tried that and it still doesn't work.",
    "That seems to have fixed it, thank you!",
    "I'm out of the office tomorrow, can we look at it Thursday?",
    "Adding my colleague, she has the same issue.",
    "Here is a screenshot of the error.",
)
TECHNICIAN_CHECKINS = (
    "Could you confirm whether the problem still occurs after a restart?",
    "I'm still working on this and will update you by end of day.",
    "When would be a good time for me to connect remotely?",
    "I've escalated this to the vendor and will follow up once they respond.",
)
INTERNAL_NOTES = (
    "Checked the event logs, nothing obvious yet.",
    "Waiting on the user to be available for a remote session.",
    "Same issue seen at another client last month; see KB article.",
    "Vendor case opened, reference number in the documentation.",
)
WORK_REMOTE = ("Remote session", "Troubleshooting remotely", "Remote fix and testing", "Research")
WORK_ONSITE = ("On-site visit", "On-site troubleshooting", "Hardware swap on site")
