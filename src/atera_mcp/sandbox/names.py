"""Word lists the seed draws customers, people and places from: small-business MSP clients.

Lists are written as delimited text so they stay one screen long (the formatter would put every
tuple item on its own line).
"""

from __future__ import annotations


def _items(text: str, sep: str = ",") -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(sep) if item.strip())


def _rows(text: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(part.strip() for part in row.split("|")) for row in _items(text, ";"))


# Named clients every seed starts with, in order; Acme comes first so demos can rely on it.
CURATED_CUSTOMERS = _rows("""
    Acme Corporation | acme.com; Northwind Dental | northwinddental.com;
    Baker & Sons Law | bakersonslaw.com; Harborview Accounting | harborviewcpa.com;
    Cedar Ridge Veterinary Clinic | cedarridgevet.com; Summit Engineering Group | summiteng.com;
    Bluebird Bakery | bluebirdbakery.com; Greenfield Property Management | greenfieldpm.com;
    Riverside Family Medicine | riversidefm.com; Lakeshore Logistics | lakeshorelogistics.com;
    Pinecrest Academy | pinecrestacademy.org; Maple Street Realty | maplestreetrealty.com
""")

# Generated clients: "<prefix> <trade>", domain "<prefix><tag>.<tld>".
NAME_PREFIXES = _items("""
    Oakwood, Silver Lake, Redstone, Granite, Evergreen, Hillcrest, Bayside, Westbrook, Ironwood,
    Brookfield, Fairview, Highland, Meadowbrook, Stonebridge, Copperline, Sunrise, Willow Creek,
    Blue Harbor, Kingsley, Parkside, Lighthouse, Cornerstone, Falcon, Heritage, Crescent,
    Sterling, Prairie, Coastal, Northgate, Tri-County, Whitfield, Morgan, Hudson, Anderson,
    Keller, Delgado, Foster, Chen, Novak, Reyes, Beacon, Juniper, Aspen, Magnolia, Keystone
""")
NAME_TRADES = _rows("""
    Dental | dental | com; Orthodontics | ortho | com; Law Group | law | com;
    & Associates | associates | com; Accounting | cpa | com; Insurance Agency | insurance | com;
    Veterinary Clinic | vet | com; Family Medicine | medical | com; Physical Therapy | pt | com;
    Construction | construction | com; Engineering | eng | com; Architects | architects | com;
    Realty | realty | com; Property Management | pm | com; Logistics | logistics | com;
    Manufacturing | mfg | com; Auto Repair | auto | com; Financial Advisors | financial | com;
    Marketing | marketing | com; Landscaping | landscaping | com;
    Plumbing & Heating | plumbing | com; Brewing Co. | brewing | com;
    Community Church | church | org; Montessori School | montessori | org;
    Chiropractic | chiro | com; Title & Escrow | title | com; Electric | electric | com;
    Foundation | foundation | org
""")

FIRST_NAMES = _items("""
    James, Mary, Robert, Patricia, Michael, Jennifer, William, Linda, David, Elizabeth, Richard,
    Barbara, Joseph, Susan, Thomas, Jessica, Charles, Sarah, Christopher, Karen, Daniel, Lisa,
    Matthew, Nancy, Anthony, Betty, Mark, Sandra, Steven, Ashley, Paul, Emily, Andrew, Michelle,
    Joshua, Amanda, Kevin, Melissa, Brian, Stephanie, George, Rebecca, Timothy, Laura, Ryan,
    Rachel, Jason, Megan, Eric, Hannah, Carlos, Priya, Wei, Fatima, Diego, Aisha, Noah, Olivia,
    Lucas, Chloe, Omar, Elena, Hiro, Grace, Marcus
""")
LAST_NAMES = _items("""
    Smith, Johnson, Williams, Brown, Jones, Garcia, Miller, Davis, Rodriguez, Martinez,
    Hernandez, Lopez, Gonzalez, Wilson, Anderson, Thomas, Taylor, Moore, Jackson, Martin, Lee,
    Perez, Thompson, White, Harris, Sanchez, Clark, Ramirez, Lewis, Robinson, Walker, Young,
    Allen, King, Wright, Scott, Torres, Nguyen, Hill, Flores, Green, Adams, Nelson, Baker, Hall,
    Rivera, Campbell, Mitchell, Carter, Roberts, Shah, Kowalski, Chen, Okafor, Schmidt, Murphy,
    Cooper, Reed, Bailey, Bell, Gomez, Kelly, Howard, Ward
""")
JOB_TITLES = _items("""
    Office Manager, Owner, Bookkeeper, Receptionist, Paralegal, Accountant, Operations Manager,
    Sales Associate, Project Manager, HR Coordinator, Practice Manager, Administrative Assistant,
    Controller, Marketing Coordinator, Estimator, Dispatcher, Front Desk, Associate, Partner,
    Warehouse Lead
""")

# city | state | ZIP prefix | phone area code
CITIES = _rows("""
    Boston | MA | 021 | 617; Hartford | CT | 061 | 860; Albany | NY | 122 | 518;
    Philadelphia | PA | 191 | 215; Baltimore | MD | 212 | 410; Richmond | VA | 232 | 804;
    Raleigh | NC | 276 | 919; Atlanta | GA | 303 | 404; Orlando | FL | 328 | 407;
    Columbus | OH | 432 | 614; Pittsburgh | PA | 152 | 412; Providence | RI | 029 | 401
""")
STREETS = _items("""
    Main St, Oak Ave, Maple Dr, Commerce Blvd, Park Pl, Elm St, Washington St, Market St,
    Industrial Way, Lake Rd, Church St, Mill Rd, Harbor Dr, Center St
""")
