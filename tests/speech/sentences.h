// Twenty fixed English sentences for the speech round trip (plain everyday words).
#pragma once

#include <array>

namespace hearth::test {

inline constexpr std::array<const char*, 20> kRoundTripSentences = {
    "The weather is nice today.",
    "Please open the window in the kitchen.",
    "I would like a cup of coffee with milk.",
    "The train leaves the station at seven o'clock.",
    "She reads a book every night before bed.",
    "We need to buy bread and eggs from the store.",
    "The children are playing in the park.",
    "Turn left at the next street.",
    "My brother works at the hospital.",
    "The meeting starts in ten minutes.",
    "Can you help me carry these boxes?",
    "The dog ran across the garden.",
    "It will rain tomorrow afternoon.",
    "He forgot his keys at the office.",
    "The music was very loud last night.",
    "Please call me when you get home.",
    "The red car is parked outside the house.",
    "They went to the beach on Sunday.",
    "I have two sisters and one brother.",
    "Dinner will be ready in an hour.",
};

}  // namespace hearth::test
