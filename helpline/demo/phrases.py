"""Words the generator builds people, companies and ticket threads from.

Every address and domain ends in `.example` (RFC 2606): generated data must never reach a real
mailbox, even when someone points a demo at a working SMTP server.
"""

from __future__ import annotations

from typing import TypedDict


class Topic(TypedDict):
    """What tickets about one thing look like: category path, owning team, subjects, problems and
    answers (`{n}` is replaced with a number so that they do not all repeat)."""

    path: tuple[str, ...]
    team: str
    subjects: tuple[str, ...]
    answers: tuple[str, ...]
    problems: tuple[str, ...]


FIRST_NAMES = (
    "Aaliyah", "Adam", "Adrian", "Aisha", "Alba", "Alejandro", "Alex", "Alice", "Amara", "Amelia",
    "Ana", "Andrea", "Anna", "Arjun", "Astrid", "Ben", "Bianca", "Bruno", "Camille", "Carlos",
    "Carmen", "Charlotte", "Chen", "Chloe", "Daniel", "David", "Diego", "Elena", "Elif", "Ella",
    "Emil", "Emma", "Erik", "Fatima", "Felix", "Finn", "Freya", "Gabriel", "Grace", "Hana",
    "Hannah", "Hugo", "Ibrahim", "Ines", "Isabel", "Ivan", "Jack", "Jakob", "James", "Jana",
    "Javier", "Jonas", "Jose", "Julia", "Kai", "Karim", "Katarina", "Kenji", "Laura", "Lea",
    "Leo", "Liam", "Lina", "Lucas", "Lucia", "Luka", "Maja", "Marco", "Maria", "Mateo",
    "Maya", "Mehmet", "Mia", "Milan", "Mohammed", "Nadia", "Naomi", "Nina", "Noah", "Nora",
    "Olivia", "Omar", "Oscar", "Paula", "Pedro", "Priya", "Rafael", "Rania", "Ravi", "Rosa",
    "Ruben", "Sara", "Sofia", "Stefan", "Tariq", "Theo", "Tom", "Valentina", "Wei", "Yara",
    "Yusuf", "Zara", "Zoe", "Lars", "Ingrid", "Paolo", "Giulia", "Sven", "Aiko", "Tomas",
)  # fmt: skip

LAST_NAMES = (
    "Abbott", "Adeyemi", "Alvarez", "Andersen", "Bauer", "Becker", "Bianchi", "Brennan", "Brown",
    "Campbell", "Castro", "Chen", "Costa", "Cruz", "Dubois", "Dvorak", "Eriksson", "Evans", "Fischer",
    "Fontaine", "Garcia", "Gomez", "Gruber", "Hansen", "Hoffmann", "Horvat", "Huang", "Ivanova",
    "Jansen", "Johansson", "Kaya", "Keller", "Khan", "Kim", "Kowalski", "Kumar", "Lambert", "Larsen",
    "Lee", "Lindqvist", "Lopez", "Martin", "Meyer", "Moreau", "Muller", "Nakamura", "Navarro",
    "Nguyen", "Nielsen", "Novak", "Okafor", "Oliveira", "Olsen", "Park", "Patel", "Perez", "Petrov",
    "Popescu", "Quinn", "Ramos", "Reyes", "Richter", "Rossi", "Russo", "Santos", "Sato", "Schmidt",
    "Schneider", "Silva", "Singh", "Sorensen", "Suzuki", "Tanaka", "Thomas", "Torres", "Vargas",
    "Varga", "Vogel", "Wagner", "Walsh", "Wang", "Weber", "Wilson", "Wolf", "Yilmaz", "Zhang",
    "Ziegler", "Murphy", "OBrien", "Kelly", "Byrne", "Horvath", "Nowak", "Berg", "Dahl", "Costa",
)  # fmt: skip

COMPANY_STEMS = (
    "Acme", "Alder", "Apex", "Arbor", "Aster", "Atlas", "Aurora", "Beacon", "Birch", "Blue Harbor",
    "Bright", "Cascade", "Cedar", "Cobalt", "Coral", "Crescent", "Crown", "Delta", "Ember", "Evergreen",
    "Falcon", "Fjord", "Foxglove", "Granite", "Greenfield", "Harbor", "Helix", "Horizon", "Indigo",
    "Ironwood", "Juniper", "Keystone", "Lakeside", "Lantern", "Linden", "Lumen", "Maple", "Meridian",
    "Mosaic", "Northwind", "Nova", "Oakridge", "Orbit", "Pacific", "Pinnacle", "Polar", "Quartz",
    "Redwood", "Ridge", "Riverbend", "Saffron", "Sage", "Sierra", "Silverline", "Solstice", "Summit",
    "Tidewater", "Timber", "Vertex", "Willow", "Zenith", "Osprey", "Kestrel", "Marigold", "Basalt",
)  # fmt: skip
COMPANY_TRADES = (
    "Analytics", "Architects", "Bakery", "Biotech", "Books", "Builders", "Capital", "Clinic",
    "Consulting", "Design", "Energy", "Engineering", "Foods", "Freight", "Games", "Health", "Hotels",
    "Insurance", "Labs", "Legal", "Logistics", "Media", "Motors", "Outdoor", "Pharma", "Print",
    "Realty", "Retail", "Robotics", "Software", "Studios", "Systems", "Textiles", "Travel", "Wines",
)  # fmt: skip
COMPANY_FORMS = ("", "", "", " Inc", " Ltd", " GmbH", " SA", " BV", " AB", " & Co", " Group", " Partners")

FREE_MAIL_DOMAINS = ("mail.example", "inbox.example", "post.example", "webmail.example", "home.example")
AGENT_DOMAIN = "helpline.example"
TIME_ZONES = ("UTC", "Europe/London", "Europe/Berlin", "Europe/Madrid", "America/New_York",
              "America/Chicago", "America/Los_Angeles", "Asia/Singapore", "Australia/Sydney")  # fmt: skip
LANGUAGES = ("en", "en", "en", "de", "fr", "es", "nl", "pt", "it")

TAGS = (
    "vip", "refund", "bug", "feature-request", "outage", "password-reset", "invoice", "duplicate",
    "escalated", "churn-risk", "onboarding", "mobile", "android", "ios", "browser", "sso", "api",
    "integration", "data-export", "gdpr", "security", "billing-error", "upgrade", "downgrade",
    "cancellation", "hardware", "laptop", "vpn", "payroll", "expenses",
)  # fmt: skip

TOPICS: tuple[Topic, ...] = (
    {
        "path": ("Billing", "Refunds"), "team": "Billing",
        "subjects": ("Refund for order {n}", "I was charged twice", "Refund not received yet",
                     "Please refund my last payment", "Money back for cancelled plan"),
        "answers": ("The refund was issued today, it usually takes 3 to 5 business days to show on your statement.",
                    "I can see the double charge; the second one is a pre-authorisation that your bank will release.",
                    "I have cancelled the renewal and refunded the full amount to your card."),
        "problems": ("I was charged twice for the same order last week.",
                     "I cancelled within the trial period but still got billed.",
                     "The refund you promised on the phone has not arrived on my card yet.",
                     "Order {n} was returned two weeks ago and I am still waiting for the money.",
                     "My bank shows a pending charge that I do not recognise."),
    },
    {
        "path": ("Billing", "Invoices"), "team": "Billing",
        "subjects": ("Invoice {n} has the wrong VAT number", "Need a copy of invoice {n}",
                     "Company address on invoices", "Invoice amount does not match the quote"),
        "answers": ("I have corrected the invoice and attached the new version to this message.",
                    "You can download all past invoices under Settings, then Billing, then Invoices.",
                    "I have updated the company address, it will be on every invoice from now on."),
        "problems": ("Our VAT number is missing on the last invoice, our accountant needs it.",
                     "Could you send the invoices for the last quarter as PDF?",
                     "The invoice shows 12 seats but we only have 9 active users.",
                     "We changed our company address and the invoices still show the old one."),
    },
    {
        "path": ("Billing", "Subscriptions"), "team": "Billing",
        "subjects": ("Upgrade to the annual plan", "Cancel my subscription", "Change payment method",
                     "Question about pricing for {n} users"),
        "answers": ("I have switched your account to annual billing, the credit for this month is applied.",
                    "Your subscription will end on the last day of the current period, nothing more will be charged.",
                    "You can change the payment method under Settings, then Billing, then Payment methods."),
        "problems": ("We would like to move from monthly to annual billing.",
                     "Please cancel our subscription at the end of the current period.",
                     "Our credit card expires next month, how do I switch to bank transfer?",
                     "Is there a discount for non-profits or schools?"),
    },
    {
        "path": ("Technical", "Login"), "team": "Support",
        "subjects": ("Cannot log in", "Password reset email never arrives", "Locked out after 2FA change",
                     "SSO login fails with error {n}", "Account locked"),
        "answers": ("I have checked the logs and can see the failed attempts, the account is unlocked now.",
                    "I have reset your two-factor setup; you can enrol your new phone at the next sign-in.",
                    "Please clear your browser cache and sign in again using a private window."),
        "problems": ("When I try to log in I get \"invalid credentials\" although the password is right.",
                     "I requested a password reset three times and no email arrived, not even in spam.",
                     "I replaced my phone and now the two-factor codes are not accepted.",
                     "Single sign-on redirects back to the login page in a loop.",
                     "My account says it is locked after too many attempts."),
    },
    {
        "path": ("Technical", "Performance"), "team": "IT",
        "subjects": ("Dashboard is very slow", "Timeouts when exporting reports", "App freezes on startup",
                     "Sync takes hours since the update"),
        "answers": ("This is a known issue and our engineers are already working on a fix.",
                    "We found a slow database query behind the dashboard and deployed a fix this morning.",
                    "Could you send me the time of the last timeout so I can match it with our logs?"),
        "problems": ("Since yesterday the dashboard takes more than a minute to load.",
                     "Exporting the monthly report fails with a timeout after about 30 seconds.",
                     "The desktop app freezes right after the splash screen.",
                     "Synchronisation used to take a few minutes and now runs for hours."),
    },
    {
        "path": ("Technical", "Bugs"), "team": "Support",
        "subjects": ("Error {n} when saving", "Attachments do not upload", "Wrong dates in the calendar view",
                     "Button does nothing in Safari", "Notifications arrive twice"),
        "answers": ("I could reproduce the problem and have filed it with our developers.",
                    "Could you send me a screenshot of the error message and the time it happened?",
                    "The fix is part of the release that goes out on Thursday."),
        "problems": ("Every time I press save I get an error message with code {n}.",
                     "Uploading a PDF larger than a few megabytes fails without any message.",
                     "The calendar shows all my appointments one hour too late.",
                     "The export button does nothing in Safari, it works in Firefox.",
                     "Each notification email arrives twice, a few seconds apart."),
    },
    {
        "path": ("Account", "Access"), "team": "Support",
        "subjects": ("Add a new user to our account", "Remove a former employee", "Transfer account ownership",
                     "Change the email address of my account"),
        "answers": ("I have added the user to your account, they should receive an invitation shortly.",
                    "The former employee no longer has access, all their sessions were signed out.",
                    "Ownership has been transferred, you are now the account owner."),
        "problems": ("We hired a new colleague and need to give her access to our workspace.",
                     "A former employee still has access, please remove him today.",
                     "The account owner left the company, can ownership be moved to me?",
                     "I would like to change the email address I use to sign in."),
    },
    {
        "path": ("Account", "Data and privacy"), "team": "Support",
        "subjects": ("Request for a copy of my data", "Please delete my account", "GDPR question",
                     "Where is our data stored?"),
        "answers": ("Your data export is being prepared, you will get a download link by email within 24 hours.",
                    "I have attached our data processing agreement, signed on our side.",
                    "Your account and personal data will be deleted within 30 days, as our privacy policy says."),
        "problems": ("Under GDPR I would like to receive a copy of all data you hold about me.",
                     "Please delete my account and all my personal data.",
                     "Our data protection officer asks whether you have a data processing agreement.",
                     "We need to know in which country our data is stored."),
    },
    {
        "path": ("IT", "Hardware"), "team": "IT",
        "subjects": ("Laptop will not charge", "Need a second monitor", "Keyboard broken",
                     "Printer on floor {n} jams"),
        "answers": ("The replacement has been ordered and should arrive at your desk on Thursday.",
                    "Please bring the laptop to the IT desk on the second floor, we will swap the adapter.",
                    "A technician will come by this afternoon to look at the printer."),
        "problems": ("My laptop stopped charging this morning, the light on the adapter is off.",
                     "Could I get a second monitor for my desk? I work with large spreadsheets.",
                     "Several keys on my keyboard stopped working after a coffee accident.",
                     "The printer on my floor jams on every second page."),
    },
    {
        "path": ("IT", "Software requests"), "team": "IT",
        "subjects": ("Install request: design software", "VPN does not connect from home",
                     "Licence for the statistics package", "Email not syncing on my phone"),
        "answers": ("The software has been pushed to your laptop, please restart it tonight.",
                    "The VPN profile was outdated; I have sent you a new one, please import it.",
                    "The licences are approved and will be assigned by the end of the week."),
        "problems": ("I need the design software installed for the new brochure project.",
                     "The VPN client says \"connection failed\" when I work from home.",
                     "Our team needs three more licences for the statistics package.",
                     "My work email stopped syncing on my phone since the password change."),
    },
    {
        "path": ("HR", "Payroll"), "team": "HR",
        "subjects": ("Payslip for {month} is missing", "Overtime not paid", "Change of bank account",
                     "Tax class is wrong on my payslip"),
        "answers": ("Your request has been approved and will be processed in the next payroll run.",
                    "The missing payslip is now available in the portal.",
                    "I have updated your bank details, the change applies from next month."),
        "problems": ("I cannot find my payslip for last month in the portal.",
                     "The overtime I worked in the last two weeks is not on my payslip.",
                     "I opened a new bank account, my salary should go there from next month.",
                     "My tax class changed after my wedding but the payslip still shows the old one."),
    },
    {
        "path": ("HR", "Leave"), "team": "HR",
        "subjects": ("Parental leave question", "Holiday balance looks wrong", "Sick note submission",
                     "Unpaid leave request"),
        "answers": ("I have corrected your holiday balance, it now shows 8 days.",
                    "You can submit the sick note as a photo through the portal, the original is not needed.",
                    "Let us meet next week to plan your parental leave, I will send an invitation."),
        "problems": ("I am expecting a baby in the spring and would like to plan my parental leave.",
                     "My remaining holiday balance shows 3 days but I think it should be 8.",
                     "How do I submit a sick note when I am not in the office?",
                     "I would like to request two weeks of unpaid leave in the summer."),
    },
    {
        "path": ("Finance", "Expenses"), "team": "Finance",
        "subjects": ("Expense report {n} not reimbursed", "Travel expenses for the conference",
                     "Lost receipt", "Company card declined"),
        "answers": ("Your expense report will be paid with the next transfer on Friday.",
                    "For a lost receipt, please fill in the missing receipt form and attach it to your report.",
                    "The card limit was reached; I have raised it for the rest of the month."),
        "problems": ("My expense report from last month was approved but not reimbursed yet.",
                     "How should I file the travel expenses for the conference in Lisbon?",
                     "I lost the receipt for a client dinner, what can I do?",
                     "My company card was declined at the hotel yesterday."),
    },
    {
        "path": ("Finance", "Purchase orders"), "team": "Finance",
        "subjects": ("Purchase order {n} needs approval", "Supplier not paid",
                     "New supplier registration", "Budget code for the new project"),
        "answers": ("The purchase order has been approved and sent to the supplier.",
                    "The supplier invoice was on hold because of a missing PO number; it is paid now.",
                    "Please use budget code 4410 for the office project."),
        "problems": ("Purchase order {n} has been waiting for approval for ten days.",
                     "Our supplier says invoice {n} is overdue, can you check the payment?",
                     "We want to work with a new supplier, what do you need from them?",
                     "Which budget code should we use for the new office project?"),
    },
)  # fmt: skip

GREETINGS = ("Hello,", "Hi,", "Hi there,", "Good morning,", "Dear support team,", "Hello team,", "Hi {agent},")
CONTEXT = (
    "We have been customers for several years and this never happened before.",
    "This is quite urgent for us because we have a deadline on Friday.",
    "I already tried logging out and in again, clearing the cache and restarting.",
    "It happens on both my laptop and my phone.",
    "A colleague of mine has the same problem.",
    "I attached a screenshot of what I see.",
    "It started right after your last update.",
    "Our account number is {n}, in case you need it.",
    "Could you please look into it as soon as possible?",
    "Thanks in advance for your help.",
    "Please let me know if you need any more information.",
)  # fmt: skip
FOLLOW_UPS = (
    "Thanks for the quick answer! Unfortunately it still does not work.",
    "I tried what you suggested, the problem is still there.",
    "That worked, thank you very much!",
    "Here is the information you asked for.",
    "Any news on this? It is getting urgent.",
    "I am sorry for the late reply, I was out of the office.",
    "It worked for a day and now the same thing happens again.",
    "My colleague tried the same steps and they fixed it for her, but not for me.",
    "Could you call me instead? It is easier to explain on the phone.",
)  # fmt: skip
CUSTOMER_DETAILS = (
    "The error appears around 9 in the morning when everyone logs in.",
    "I am using the latest version of Chrome on Windows 11.",
    "The reference on the bank statement is {n}.",
    "We are on the Business plan with 25 seats.",
    "The last time it worked was on Monday.",
    "I can send you the log file if that helps.",
)  # fmt: skip
SIGN_OFFS = ("Best regards,", "Kind regards,", "Thanks,", "Cheers,", "Many thanks,", "Best,")

AGENT_OPENERS = (
    "Thank you for reaching out.",
    "Thanks for getting in touch, and sorry for the trouble.",
    "Thank you for the details, that helps a lot.",
    "Sorry for the wait, and thanks for your patience.",
    "I had a look at your account.",
)  # fmt: skip
# Said whatever the topic; each topic has its own `answers` too.
AGENT_ANSWERS = (
    "I have reset the setting on our side, could you please try again?",
    "I have forwarded this to our specialists and will update you as soon as I hear back.",
    "Could you tell me which browser and device you are using?",
    "I have added a note to your account so that my colleagues know the history.",
    "Thanks for confirming, I am checking this with the responsible team now.",
)  # fmt: skip
AGENT_CLOSERS = (
    "Let me know if there is anything else I can do.",
    "If the problem comes back, just reply to this message.",
    "I will keep this ticket open until you confirm it works.",
    "Have a great day!",
    "We are sorry for the inconvenience.",
)  # fmt: skip
NOTES = (
    "Checked the billing system: the second charge is a pre-authorisation, it will drop off.",
    "Customer is on the enterprise plan, handle with priority.",
    "Asked engineering in the incident channel, waiting for an answer.",
    "Same issue as ticket {n}, probably the same root cause.",
    "Called the customer, no answer. Will try again tomorrow.",
    "Vendor confirmed the part is on backorder, expected next week.",
    "Looks like a duplicate of an older ticket, keeping this one because it has more details.",
    "Escalating to the team lead because of the refund amount.",
    "Logs attached in the internal wiki, error points to the sync worker.",
    "Do not promise a date, the fix is not scheduled yet.",
)  # fmt: skip
SYSTEM_ENTRIES = (
    "Ticket assigned to {agent}.",
    "Priority changed from medium to high.",
    "Team changed from Support to {team}.",
    "Requester was notified that the ticket is waiting for their reply.",
    "SLA first response target was met.",
    "Ticket was merged into this one.",
)  # fmt: skip
LOG_LINES = (
    "2024-05-02T09:14:33Z ERROR sync.worker: timeout after 30000 ms (attempt 3/3)",
    "2024-05-02T09:14:34Z WARN http.client: upstream returned 502 Bad Gateway",
    "2024-05-02T09:14:35Z INFO auth: login failed for user id 4411 (reason=locked)",
    "2024-05-02T09:14:36Z ERROR export: report generation exceeded memory limit",
)  # fmt: skip
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")  # fmt: skip
