"""The word lists the structured prompt suite is written from (evalsuite/data/prompt_suite.py).

Written here for this suite. Every phrase is a fragment of plain English that fits its slot:
noun phrases take `is`/`are` and a gerund phrase ("a red fox" + "is" + "trotting across ..."), so any
combination of the axes reads as a sentence a person would write. Changing a list changes the suite:
regenerate `prompts/structured_1533.csv` (README "Prompt sets") and commit both.
"""

from __future__ import annotations

SUBJECTS = ("people", "animals", "objects", "vehicles", "scenery", "fantasy")
MOTIONS = ("static", "slow", "fast")
CAMERAS = ("fixed", "pan", "zoom", "orbit", "tracking")
STYLES = ("photoreal", "animation", "painting", "vintage_film", "render_3d")
COMPLEXITIES = ("single", "several", "interaction", "counting", "text")
EVENTS = ("none", "sequence", "transformation")

# One subject: singular noun phrases.
ENTITIES: dict[str, tuple[str, ...]] = {
    "people": (
        "a young woman in a yellow raincoat", "an elderly man with a white beard", "a street musician with a battered guitar",
        "a chef in a white apron", "a little girl with braided hair", "a firefighter in full gear", "a ballet dancer in a grey leotard",
        "a teenage skateboarder", "a nurse in blue scrubs", "a farmer in a straw hat", "a businessman in a charcoal suit",
        "a marathon runner", "a boy in a red hoodie", "a violinist in a black dress", "a potter with clay-covered hands",
        "a surfer in a wetsuit", "a mountain climber with a heavy pack", "a librarian with round glasses", "a painter in a paint-splattered shirt",
        "a fisherman in rubber boots", "a grandmother in a knitted cardigan", "a cyclist in a bright jersey",
    ),
    "animals": (
        "a red fox", "a golden retriever", "a snowy owl", "a grey elephant", "a sea turtle", "a tabby cat", "a black horse",
        "a baby panda", "a hummingbird", "a brown bear", "a white rabbit", "a bald eagle", "a green frog", "a giraffe",
        "a dolphin", "a peacock", "a koala", "a wolf with a thick winter coat", "a flamingo", "a squirrel", "an octopus", "a border collie",
    ),
    "objects": (
        "a red umbrella", "a paper lantern", "a spinning top", "a vintage typewriter", "a glass of iced lemonade", "a stack of old books",
        "a wind chime", "a teapot", "a beach ball", "a candle", "a pocket watch", "a kite", "a bowl of ramen", "a potted cactus",
        "a silver trumpet", "a wooden chess set", "a soap bubble", "a cup of coffee", "a bicycle wheel", "a snow globe",
        "a leather suitcase", "a rubber duck",
    ),
    "vehicles": (
        "a red vintage convertible", "a yellow school bus", "a steam locomotive", "a small fishing boat", "a hot-air balloon",
        "a motorcycle", "a cable car", "a sailboat", "a city tram", "a fire truck", "a delivery van", "a seaplane",
        "a racing car", "a double-decker bus", "a tractor", "a canoe", "a helicopter", "a freight train", "a police car",
        "an ice-cream truck", "a rowing boat", "a passenger jet",
    ),
    "scenery": (
        "a waterfall", "a lighthouse on a rocky cape", "a field of sunflowers", "a mountain lake", "a desert canyon",
        "a bamboo forest", "a glacier", "a rice terrace", "a city skyline", "a volcano", "a lavender field", "a misty valley",
        "a coral reef", "a wheat field", "a frozen river", "a sand dune", "an old stone bridge", "a cherry orchard",
        "a rainforest stream", "a harbor town", "a geyser", "a cliffside village",
    ),
    "fantasy": (
        "a fire-breathing dragon", "a unicorn with a silver mane", "a small friendly robot", "a wizard in a starry robe",
        "a mermaid", "a stone golem", "a phoenix", "a tiny fairy with glowing wings", "a knight in glowing armor",
        "a giant tortoise carrying a village on its back", "a paper crane that has come to life", "a ghost in a Victorian dress",
        "a griffin", "a snowman that has come to life", "an astronaut cat", "a clockwork owl", "a jellyfish made of light",
        "a troll with a mossy beard", "a sea serpent", "a walking tree", "a floating island", "an alien with three eyes",
    ),
}

# Counting: plural nouns that a number in front of them reads naturally with.
COUNTABLE: dict[str, tuple[str, ...]] = {
    "people": ("children", "dancers", "runners", "musicians", "hikers", "monks", "cyclists", "soldiers", "surfers", "nurses", "chefs"),
    "animals": ("ducks", "horses", "penguins", "dogs", "kittens", "butterflies", "deer", "sheep", "goldfish", "crows", "elephants"),
    "objects": ("apples", "candles", "paper boats", "balloons", "teacups", "marbles", "lanterns", "books", "oranges", "dice", "umbrellas"),
    "vehicles": ("sailboats", "taxis", "hot-air balloons", "motorcycles", "trucks", "canoes", "buses", "kites", "rowing boats", "trams", "tractors"),
    "scenery": ("windmills", "waterfalls", "lighthouses", "palm trees", "hills", "pine trees", "stone arches", "haystacks", "wooden huts", "pagodas", "bridges"),
    "fantasy": ("dragons", "robots", "fairies", "unicorns", "ghosts", "wizards", "snowmen", "golems", "mermaids", "owls made of brass", "aliens"),
}
NUMBERS = ("two", "three", "four", "five", "six")

# Gerund phrases by speed. "static" ones describe stillness, so the video tests a subject that must not move.
ACTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "people": {
        "static": ("standing perfectly still", "sitting motionless on a bench", "posing without moving", "sleeping on a sofa", "holding still for a portrait"),
        "slow": ("walking slowly", "stretching gently", "reading a letter", "sipping tea", "strolling along", "tying a shoelace", "waving goodbye"),
        "fast": ("sprinting", "jumping over a puddle", "spinning around", "running up a flight of stairs", "dancing energetically", "juggling three balls"),
    },
    "animals": {
        "static": ("sitting perfectly still", "lying asleep", "standing motionless", "perched without moving", "resting with eyes closed"),
        "slow": ("walking slowly", "grazing", "stretching lazily", "sniffing the ground", "drifting along", "wandering about", "grooming"),
        "fast": ("running at full speed", "leaping into the air", "splashing through a stream", "diving", "galloping", "shaking off water"),
    },
    "objects": {
        "static": ("resting untouched", "sitting perfectly still", "standing on its own", "lying motionless"),
        "slow": ("rotating slowly", "swaying gently", "drifting", "tipping over slowly", "steaming softly", "rolling slowly"),
        "fast": ("spinning rapidly", "bouncing wildly", "flying through the air", "tumbling end over end", "shaking violently", "rolling fast"),
    },
    "vehicles": {
        "static": ("standing still", "sitting idle", "waiting without moving", "standing empty and silent"),
        "slow": ("moving slowly", "gliding along", "pulling away gently", "drifting", "turning slowly", "slowing down"),
        "fast": ("speeding past", "racing ahead", "accelerating hard", "rushing by", "swerving sharply", "taking off at full speed"),
    },
    "scenery": {
        "static": ("lying perfectly still", "resting under a windless sky", "standing in total calm", "glowing quietly"),
        "slow": ("shimmering in a light breeze", "changing gently as clouds drift over", "swaying in the wind", "slowly filling with mist"),
        "fast": ("battered by a sudden storm", "shaken by gusts of wind", "lashed by heavy rain", "lit by rapid flashes of lightning"),
    },
    "fantasy": {
        "static": ("standing perfectly still", "sleeping peacefully", "frozen in place", "hovering without moving"),
        "slow": ("drifting through the air", "walking slowly", "stretching out", "floating gently", "bowing gracefully", "wandering about"),
        "fast": ("soaring at great speed", "charging forward", "spinning through the air", "leaping from rock to rock", "diving steeply", "racing away"),
    },
}

# Two subjects acting on each other: full clauses, by speed.
INTERACTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "people": {
        "static": ("a mother cradling her sleeping baby", "two old friends sitting back to back", "a couple holding hands without moving"),
        "slow": ("a father teaching his daughter to ride a bicycle", "two friends sharing an umbrella", "a grandmother handing a cup of tea to her grandson",
                 "two chess players taking turns", "a barber trimming a customer's beard", "a couple dancing a slow waltz"),
        "fast": ("two boxers trading punches", "a goalkeeper diving to stop a penalty", "two children having a pillow fight",
                 "a waiter catching a falling plate", "two fencers crossing swords", "a relay runner passing the baton"),
    },
    "animals": {
        "static": ("a lioness lying beside her sleeping cub", "two swans resting neck to neck", "a cat curled up against a sleeping dog"),
        "slow": ("a mother duck leading her ducklings", "two giraffes nuzzling each other", "a horse nudging its foal", "a monkey grooming another monkey",
                 "a cow licking her calf", "two turtles swimming side by side"),
        "fast": ("a cheetah chasing a gazelle", "two puppies wrestling", "a cat pouncing on a ball of yarn", "two rams butting heads",
                 "an eagle snatching a fish from a river", "a dog catching a frisbee mid-air"),
    },
    "objects": {
        "static": ("a book propped against a teapot", "a pair of glasses resting on an open newspaper", "a spoon leaning in an empty cup"),
        "slow": ("a domino slowly tipping into the next one", "a marble rolling into a glass", "a leaf settling onto a puddle",
                 "a candle flame lighting a second candle", "a ball of yarn unrolling off a table"),
        "fast": ("a baseball smashing through a window", "a row of dominoes toppling in quick succession", "a hammer shattering a vase",
                 "a bowling ball crashing into the pins", "a cork bursting out of a bottle"),
    },
    "vehicles": {
        "static": ("a tugboat moored beside a cargo ship", "a bicycle leaning against a parked scooter", "a tow truck parked in front of a broken-down car"),
        "slow": ("a tugboat pushing a cargo ship into port", "a tow truck pulling a car onto its bed", "a ferry docking beside a fishing boat",
                 "a crane lifting a container onto a train", "a horse pulling a wooden cart"),
        "fast": ("two race cars overtaking each other", "a police car chasing a motorcycle", "a jet passing a helicopter",
                 "two sailboats racing neck and neck", "a train overtaking a bus on a parallel road"),
    },
    "scenery": {
        "static": ("a mountain mirrored in a still lake", "a lighthouse beside a calm sea", "a snow-covered cabin under a frozen pine"),
        "slow": ("a river winding between two hills", "fog spilling over a ridge into a valley", "waves lapping against a wooden pier",
                 "the tide creeping over a sandbar", "a stream feeding into a pond"),
        "fast": ("waves crashing against a sea wall", "a flash flood rushing through a canyon", "an avalanche sweeping down a slope",
                 "a storm surge breaking over a harbor", "lava pouring into the ocean"),
    },
    "fantasy": {
        "static": ("a dragon curled around a sleeping knight", "a fairy sitting on a mushroom beside a snail", "a robot holding a sleeping kitten"),
        "slow": ("a wizard teaching a young dragon to read", "a robot watering a flower for a small girl", "a unicorn letting a child stroke its mane",
                 "a mermaid handing a pearl to a sailor", "a golem carrying a fairy on its shoulder"),
        "fast": ("a knight dueling a dragon", "two robots racing each other", "a phoenix chasing a griffin through the clouds",
                 "a wizard hurling a fireball at a troll", "a sea serpent wrapping around a pirate ship"),
    },
}

# Where: phrases that follow the action.
SETTINGS: dict[str, tuple[str, ...]] = {
    "people": ("in a busy night market", "on a rainy city street", "in a sunlit kitchen", "on a windy beach", "in an empty subway station",
               "in a field of tall grass", "on a rooftop at sunset", "in a crowded train station", "in a quiet library", "by a frozen lake",
               "in a neon-lit alley", "at a village festival"),
    "animals": ("in a snowy meadow", "on a sandy beach", "in a dense jungle", "in a suburban backyard", "on a rocky shore",
                "in a misty forest", "in shallow turquoise water", "on a farm at dawn", "on the African savanna", "in a city park",
                "on an icy tundra", "in a flower garden"),
    "objects": ("on a wooden kitchen table", "on a windowsill in the rain", "in an empty white studio", "on a picnic blanket",
                "on a cluttered desk", "in a dusty attic", "on a marble countertop", "on a park bench", "in a sunlit greenhouse",
                "on a snowy doorstep", "in a child's bedroom", "on a shelf in an old shop"),
    "vehicles": ("in the distance", "near the edge of town", "beside a row of old houses", "beside a field of wheat",
                 "in front of a red brick factory", "under a long bridge", "near a quiet harbor", "near a small railway station",
                 "beside a line of poplar trees", "at the foot of a mountain", "near a lighthouse", "below a flock of seagulls"),
    "scenery": ("at sunrise", "at golden hour", "at twilight", "at noon", "in the early morning", "late in the afternoon",
                "seen from a hilltop", "seen from the air", "seen from across a valley", "from the edge of a cliff",
                "in the far distance", "seen from a winding road"),
    "fantasy": ("in an enchanted forest", "above a floating castle", "in a glowing crystal cave", "on a cloud city", "in a ruined temple",
                "over a sea of clouds", "in a candle-lit library", "on an alien planet with two moons", "in a mushroom village",
                "on a frozen mountain peak", "inside a giant clock tower", "in a moonlit graveyard"),
}

# What happens next (a second action, for the "sequence" event).
SEQUENCES: dict[str, tuple[str, ...]] = {
    "people": ("stopping to look straight at the camera", "turning around and heading back", "sitting down to rest", "pulling out a phone",
               "breaking into a laugh", "putting on a pair of sunglasses", "picking up a fallen hat"),
    "animals": ("stopping to look straight at the camera", "lying down to rest", "turning to look behind", "shaking off the dust",
                "settling down in the grass", "yawning widely", "sniffing the air"),
    "objects": ("coming to a sudden stop", "tipping over", "rolling out of the frame", "falling to the floor",
                "settling back in place", "cracking down the middle"),
    "vehicles": ("pulling over to the side", "stopping at a red light", "turning out of sight", "coming to a halt", "reversing into a space",
                 "switching on its headlights"),
    "scenery": ("going completely still", "disappearing into thick fog", "catching the last light of the day", "falling silent",
                "vanishing under drifting snow"),
    "fantasy": ("landing softly on the ground", "turning to look at the camera", "vanishing in a puff of smoke", "bowing to the viewer",
                "shrinking to the size of a mouse", "glowing brightly"),
}

# A change of the world around the subject (the "transformation" event), same for every subject.
TRANSFORMATIONS = (
    "while the sky turns from blue to deep orange", "as snow begins to fall", "as the streetlights flicker on one by one",
    "while the leaves around turn from green to gold", "as fog rolls in and hides the background", "while day slowly turns into night",
    "as rain starts pouring down", "while the colors of the scene fade to black and white", "as the shadows grow long and the light turns red",
    "while frost creeps across every surface",
)

# Text in the scene: where it appears and the words it shows.
TEXT_CARRIERS = ("beside a shop sign that reads", "under a banner that says", "next to a chalkboard with the words",
                 "in front of a neon sign spelling", "beside a road sign that says", "below a painted wall slogan that reads")
TEXT_WORDS = ("OPEN", "WELCOME HOME", "EXIT", "FRESH BREAD", "HELLO WORLD", "NO PARKING", "SUMMER SALE", "CAFE", "GOOD LUCK",
              "LIBRARY", "STOP", "HAPPY BIRTHDAY", "BEACH", "TICKETS", "NIGHT MARKET", "LOST AND FOUND")

# One sentence per camera move.
CAMERA_SENTENCES: dict[str, tuple[str, ...]] = {
    "fixed": ("The camera stays perfectly still.", "Static shot from a tripod.", "Locked-off wide shot.", "The frame does not move."),
    "pan": ("The camera pans slowly from left to right.", "Slow pan from right to left across the scene.", "The camera pans to follow the horizon."),
    "zoom": ("The camera slowly zooms in.", "Slow zoom out that reveals the surroundings.", "The camera pushes in for a close-up."),
    "orbit": ("The camera orbits around the subject.", "The camera circles the scene in a slow arc.", "A half orbit around the scene."),
    "tracking": ("The camera glides forward on a dolly.", "Tracking shot moving alongside the scene.", "The camera moves sideways on a rail."),
}

# One sentence per style.
STYLE_SENTENCES: dict[str, tuple[str, ...]] = {
    "photoreal": ("Photorealistic, natural lighting.", "Shot on a 35mm lens, realistic detail.", "Documentary footage, true-to-life colors."),
    "animation": ("2D hand-drawn animation.", "Cartoon style with bold outlines.", "Anime style with soft pastel colors."),
    "painting": ("Oil painting style with visible brushstrokes.", "Watercolor illustration.", "In the style of an impressionist painting."),
    "vintage_film": ("Grainy black-and-white film footage.", "1970s film look with warm, faded colors.", "Old 8mm home-movie look."),
    "render_3d": ("Stylized 3D render with soft lighting.", "Claymation style.", "Low-poly 3D animation."),
}
