"""Seed data of the Northwind Home demo API: customers, orders, installations, tickets, accounts.

Everything is built by `seed_store()` from fixed tables and a fixed-seed `random.Random`, so two
stores are always equal and tests can name records by id. Dates are fixed around `SEED_TODAY`.

Order statuses repeat every ten orders (see `ORDER_STATUS_CYCLE`): ORD-1001 shipped,
ORD-1002 processing, ORD-1003 delivered, ORD-1005 cancelled, and so on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

SEED = 20250602
SEED_TODAY = date(2025, 6, 2)
CURRENCY = "USD"

FAILING_ORDER_ID = "ORD-5000"
"""Always answers 500."""
SLOW_ORDER_ID = "ORD-5001"
"""A real order that answers after `SLOW_ORDER_DELAY_SECONDS`."""
SLOW_ORDER_DELAY_SECONDS = 3.0

ORDER_STATUS_CYCLE = (
    "shipped",
    "processing",
    "delivered",
    "shipped",
    "cancelled",
    "processing",
    "delivered",
    "shipped",
    "delivered",
    "processing",
)
INSTALLATION_PRODUCTS = ("solar_kit", "heat_pump", "ev_charger", "battery")
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
CONTACT_CHANNELS = ("email", "sms", "phone")

SUPPORT_PORTAL = "https://support.northwind.example"
ACCOUNT_PORTAL = "https://my.northwind.example"
TRACKING_SITE = "https://track.northwind.example"
LABEL_SITE = "https://labels.northwind.example"
BILLING_SITE = "https://billing.northwind.example"


@dataclass(frozen=True)
class Customer:
    name: str
    email: str
    address: str


# name, email, address
CUSTOMER_ROWS = (
    ("Dana Whitfield", "dana.whitfield@example.com", "14 Alder Lane, Portland, OR 97205"),
    ("Marcus Oyelaran", "m.oyelaran@example.net", "2207 Kessler Ave, Austin, TX 78704"),
    ("Priya Raman", "priya.raman@example.org", "88 Birchwood Ct, Madison, WI 53711"),
    ("Tomás Ibarra", "tomas.ibarra@example.com", "501 Canyon View Rd, Boulder, CO 80302"),
    ("Helen Kowalczyk", "helen.k@example.net", "39 Marlowe St, Burlington, VT 05401"),
    ("Jamal Greene", "jamal.greene@example.com", "1120 Ponce de Leon Pl, Decatur, GA 30030"),
    ("Ingrid Sørensen", "ingrid.sorensen@example.org", "7 Lakeshore Dr, Duluth, MN 55802"),
    ("Wei Chen", "wei.chen@example.com", "73 Harbor Point Dr, Sacramento, CA 95814"),
    ("Fiona MacAllister", "fiona.mac@example.net", "615 Elm Ridge Way, Asheville, NC 28801"),
    ("Rafael Duarte", "rafael.duarte@example.org", "9 Quarry Hill Rd, Providence, RI 02906"),
    ("Naomi Fischer", "naomi.fischer@example.com", "4410 E Camelback Rd, Phoenix, AZ 85018"),
    ("Grace Oduya", "grace.oduya@example.org", "27 Wren Hollow, Ann Arbor, MI 48104"),
)
CUSTOMERS = tuple(Customer(*row) for row in CUSTOMER_ROWS)

# sku, name, unit price
PRODUCTS = (
    ("NW-SOL-KIT6", "SunPeak 6 kW Rooftop Solar Kit", 8499.00),
    ("NW-SOL-400", "SunPeak 400 W Solar Panel", 289.00),
    ("NW-INV-5K", "VoltBridge 5 kW Hybrid Inverter", 1349.00),
    ("NW-BAT-10", "CellVault 10 kWh Home Battery", 5990.00),
    ("NW-HP-12", "ClimaFlow 12k BTU Mini-Split Heat Pump", 3250.00),
    ("NW-HP-24", "ClimaFlow 24k BTU Ducted Heat Pump", 5480.00),
    ("NW-EV-48", "ChargeNest 48 A EV Charger", 649.00),
    ("NW-WH-50", "AquaHeat 50 gal Heat Pump Water Heater", 1899.00),
    ("NW-DW-24", 'Northwind QuietWash 24" Dishwasher', 879.00),
    ("NW-IND-30", 'Northwind 30" Induction Range', 1649.00),
    ("NW-MNT-RK", "Roof Mounting Rail Kit (8 rails)", 219.00),
    ("NW-CBL-MC4", "MC4 Extension Cable Pair, 10 m", 34.50),
    ("NW-THM-S", "Northwind SmartTherm Thermostat", 179.00),
    ("NW-FLT-HP", "Heat Pump Filter 3-Pack", 42.00),
)
CARRIERS = ("UPS", "FedEx", "USPS")
TECHNICIANS = ("Luis Ortega", "Beth Nakamura", "Sam Adeyemi", "Carla Jensen")
PLANS = ("Solar Care Basic", "Solar Care Plus", "Heat Pump Protect", "Home Energy Complete")


@dataclass
class DemoStore:
    """One app instance's records; writes change only this store."""

    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    installations: dict[str, dict[str, Any]] = field(default_factory=dict)
    tickets: dict[str, dict[str, Any]] = field(default_factory=dict)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    preferences: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotent_replies: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """(path, Idempotency-Key) -> the body first answered, replayed on a repeat."""

    def orders_for(self, email: str) -> list[dict[str, Any]]:
        wanted = email.strip().lower()
        return [o for o in self.orders.values() if o["customer_email"].lower() == wanted]

    def account_for(self, email: str) -> dict[str, Any] | None:
        wanted = email.strip().lower()
        return next((a for a in self.accounts.values() if a["email"].lower() == wanted), None)

    def order_by_tracking(self, tracking_number: str) -> dict[str, Any] | None:
        return next((o for o in self.orders.values() if o["tracking_number"] == tracking_number), None)


def next_id(records: dict[str, Any], prefix: str) -> str:
    return f"{prefix}-{max(int(k.split('-')[1]) for k in records) + 1}"


def _tracking_number(rng: random.Random, carrier: str) -> str:
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    if carrier == "UPS":
        shipper = "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTVWXY") for _ in range(6))
        return "1Z" + shipper + digits(10)
    if carrier == "FedEx":
        return digits(12)
    return "9400" + digits(18)


def _order(rng: random.Random, order_id: str, customer: Customer, status: str) -> dict[str, Any]:
    picks = rng.sample(PRODUCTS, rng.randint(1, 3))
    items: list[dict[str, Any]] = [
        {"sku": sku, "name": name, "qty": 1 if price > 300 else rng.randint(1, 4), "price": price}
        for sku, name, price in picks
    ]
    carrier = rng.choice(CARRIERS)
    tracking = _tracking_number(rng, carrier)
    offset = rng.randint(1, 9)
    estimated = {
        "processing": SEED_TODAY + timedelta(days=offset + 4),
        "shipped": SEED_TODAY + timedelta(days=offset % 4 + 1),
        "delivered": SEED_TODAY - timedelta(days=offset),
        "cancelled": None,
    }[status]
    shipped = status in ("shipped", "delivered")
    return {
        "order_id": order_id,
        "status": status,
        "customer_email": customer.email,
        "items": items,
        "total": round(sum(i["qty"] * i["price"] for i in items), 2),
        "currency": CURRENCY,
        "carrier": None if status == "cancelled" else carrier,
        "tracking_number": tracking if shipped else None,
        "tracking_url": f"{TRACKING_SITE}/{carrier.lower()}/{tracking}" if shipped else None,
        "estimated_delivery": estimated.isoformat() if estimated else None,
        "shipping_address": customer.address,
    }


INSTALLATION_ROWS = (
    # status, product, notes
    ("scheduled", "solar_kit", "Roof survey done: south-facing, 30° pitch, no shading."),
    ("completed", "heat_pump", "Outdoor unit on wall bracket; system commissioned and tested."),
    ("in_progress", "battery", "Battery mounted in garage; waiting on utility interconnect."),
    ("received", "ev_charger", "Customer asked for a morning appointment."),
    ("scheduled", "heat_pump", "Existing furnace stays as backup (dual-fuel setup)."),
    ("completed", "solar_kit", "12 panels installed; monitoring app activated."),
    ("received", "battery", "Needs a site photo of the main electrical panel."),
    ("scheduled", "ev_charger", "60 A breaker required; panel has two free slots."),
    ("in_progress", "solar_kit", "Day 1 of 2: rails and panels up, wiring tomorrow."),
    ("completed", "ev_charger", "Charger paired with the customer's Wi-Fi network."),
)

# scheduled and received requests lie ahead, completed ones behind, in-progress ones started
INSTALLATION_DAY_OFFSET = {"received": 10, "scheduled": 3, "in_progress": 0, "completed": -25}

TICKET_ROWS = (
    # status, priority, subject, description
    (
        "open",
        "high",
        "Inverter shows error E-041",
        "Since yesterday the inverter display shows E-041 and production dropped to zero.",
    ),
    (
        "pending",
        "normal",
        "Invoice amount looks wrong",
        "My May invoice charges the Solar Care Plus plan but I am on Basic.",
    ),
    (
        "solved",
        "low",
        "How do I clean my panels?",
        "Is it safe to hose the panels down or should I book a cleaning?",
    ),
    (
        "open",
        "urgent",
        "Heat pump not heating",
        "Indoor unit blows cold air only; outside temperature is 20 °F.",
    ),
    ("closed", "normal", "Change delivery window", "Please deliver the dishwasher after 3 pm on weekdays."),
    (
        "open",
        "normal",
        "Charger app will not pair",
        "The ChargeNest app cannot find the charger over Bluetooth.",
    ),
    ("pending", "high", "Battery stuck at 80 %", "The battery never charges above 80 % even on sunny days."),
    ("solved", "low", "Replacement filter size", "Which filter fits the ClimaFlow 12k indoor unit?"),
)


def seed_store() -> DemoStore:
    """A fresh store with the seeded records (equal on every call)."""
    rng = random.Random(SEED)
    store = DemoStore()
    for n in range(30):
        order_id = f"ORD-{1001 + n}"
        customer = CUSTOMERS[n % len(CUSTOMERS)]
        status = ORDER_STATUS_CYCLE[n % len(ORDER_STATUS_CYCLE)]
        store.orders[order_id] = _order(rng, order_id, customer, status)
    store.orders[SLOW_ORDER_ID] = _order(rng, SLOW_ORDER_ID, CUSTOMERS[0], "shipped")

    for n, (status, product, notes) in enumerate(INSTALLATION_ROWS):
        request_id = f"INS-{2001 + n}"
        customer = CUSTOMERS[(n * 5) % len(CUSTOMERS)]
        base = INSTALLATION_DAY_OFFSET[status]
        day = SEED_TODAY + timedelta(days=base + (n % 4 if base > 0 else -(n % 4)))
        store.installations[request_id] = {
            "request_id": request_id,
            "status": status,
            "product": product,
            "customer_email": customer.email,
            "preferred_date": day.isoformat(),
            "scheduled_date": None if status == "received" else day.isoformat(),
            "technician": None if status == "received" else TECHNICIANS[n % len(TECHNICIANS)],
            "address": customer.address,
            "notes": notes,
        }

    for n, (status, priority, subject, description) in enumerate(TICKET_ROWS):
        ticket_id = f"TCK-{3001 + n}"
        store.tickets[ticket_id] = {
            "ticket_id": ticket_id,
            "status": status,
            "email": CUSTOMERS[(n * 7) % len(CUSTOMERS)].email,
            "subject": subject,
            "description": description,
            "priority": priority,
            "created_at": (SEED_TODAY - timedelta(days=n * 2 + 1)).isoformat(),
            "portal_url": f"{SUPPORT_PORTAL}/tickets/{ticket_id}",
        }

    for n, customer in enumerate(CUSTOMERS):
        account_id = f"ACC-{4001 + n}"
        store.accounts[account_id] = {
            "account_id": account_id,
            "name": customer.name,
            "email": customer.email,
            "plan": PLANS[n % len(PLANS)],
            "balance": round(rng.choice((0, 0, 1)) * rng.randint(2900, 48000) / 100, 2),
            "currency": CURRENCY,
            "next_invoice_date": (SEED_TODAY + timedelta(days=3 + (n * 5) % 27)).isoformat(),
            "portal_url": f"{ACCOUNT_PORTAL}/accounts/{account_id}",
        }
        store.preferences[account_id] = {
            "account_id": account_id,
            "contact_channel": CONTACT_CHANNELS[n % len(CONTACT_CHANNELS)],
            "newsletter": n % 3 == 0,
        }
        invoice_id = f"INV-{5001 + n}"
        store.invoices[invoice_id] = {
            "invoice_id": invoice_id,
            "account_id": account_id,
            "issued": date(2025, 5, 1 + n).isoformat(),
            "amount": round(rng.randint(1900, 24900) / 100, 2),
            "currency": CURRENCY,
        }
    return store
